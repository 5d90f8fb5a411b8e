import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument } from '@kelisim/contracts';
import { createApiHarness, type ApiHarness } from './test-api.js';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness('routes');
});
afterAll(() => h.close());

interface RouterLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** `METHOD /path` of every route the app registers, found by walking express's router. */
function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          found.push(`${method} ${prefix}${layer.route.path}`);
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : (layer.rawPath ?? '')));
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return found;
}

describe('REST routes', () => {
  it('registers exactly the operations of the OpenAPI document under /api', () => {
    const documented = Object.entries(createOpenApiDocument().paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method} ${path.replace(/{(\w+)}/g, ':$1')}`),
    );
    const registered = registeredRoutes(h.app).filter(
      (route) => route.includes(' /api/') && route !== 'get /api/openapi.json',
    );
    expect(registered.sort()).toEqual(documented.sort());
    expect(registered).toHaveLength(32);
  });
});
