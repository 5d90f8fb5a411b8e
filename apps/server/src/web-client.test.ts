import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, storageEnv } from '@kelisim/config';
import { contentSecurityPolicy, storageOrigins, webClient } from './web-client.js';

const page = '<!doctype html><title>Kelisim Chat</title><div id="root"></div>';
let root: string;
let server: Server;
let base: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kelisim-web-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), page);
  await writeFile(path.join(root, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(path.join(root, 'health'), 'a file that must stay hidden');
  const app = express();
  app.use(
    webClient(root, {
      connectSources: ['http://s3.localhost:8080'],
      backendPaths: ['/storage/chat-files'],
    }),
  );
  // Stands in for the API app mounted after it: JSON 404 for whatever reaches it.
  app.use((_req, res) => {
    res.status(404).json({ message: 'Not found.', code: 'not_found' });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

const html = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('webClient', () => {
  it('serves the build: index.html at / (never cached stale) and its assets', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(page);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${base}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it("answers a browser's navigation to a client route with index.html", async () => {
    for (const route of ['/chats/12', '/settings', '/chats/12/files?x=1']) {
      const res = await fetch(`${base}${route}`, { headers: html });
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toBe(page);
    }
  });

  it('sends a Content-Security-Policy (no inline script, framed by its own origin only) with the page and its assets', async () => {
    for (const [route, headers] of [
      ['/', {}],
      ['/chats/12', html],
      ['/assets/app-1234.js', {}],
    ] as const) {
      const res = await fetch(`${base}${route}`, { headers });
      expect(res.status, route).toBe(200);
      const policy = res.headers.get('content-security-policy') ?? '';
      expect(policy, route).toBe(contentSecurityPolicy(['http://s3.localhost:8080']));
      expect(policy).toContain("frame-ancestors 'self'");
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain("connect-src 'self' http://s3.localhost:8080;");
      expect(policy).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('lets the client fetch from the S3 host presigned downloads name, and nothing else', () => {
    const origins = (env: Record<string, string>) => storageOrigins(parseEnv(storageEnv, env));
    expect(origins({})).toEqual([]);
    const s3 = { FILESYSTEM_DISK: 's3', AWS_BUCKET: 'files' };
    expect(origins(s3)).toEqual(['https://*.amazonaws.com']);
    expect(
      origins({
        ...s3,
        AWS_ENDPOINT: 'http://minio:9000',
        AWS_USE_PATH_STYLE_ENDPOINT: 'true',
        CHAT_S3_PUBLIC_ENDPOINT: 'http://s3.localhost:8080',
      }),
    ).toEqual(['http://s3.localhost:8080']);
    expect(origins({ ...s3, AWS_ENDPOINT: 'https://s3.example.com' })).toEqual([
      'https://s3.example.com',
      'https://*.s3.example.com',
    ]);
  });

  it('leaves other requests to the backend: API, health, metrics, socket.io, /ws, file links, non-HTML, non-GET', async () => {
    const passes = [
      ['GET', '/api/chats', html],
      ['GET', '/api', html],
      ['GET', '/health', html],
      ['GET', '/health/ready', html],
      ['GET', '/metrics', html],
      ['GET', '/socket.io/?EIO=4', html],
      ['GET', '/ws?token=x', html],
      ['GET', '/storage/chat-files/12/photo.png?expires=1&signature=00', html],
      ['GET', '/assets/missing.js', { Accept: '*/*' }],
      ['GET', '/chats/12', { Accept: 'application/json' }],
      ['POST', '/chats/12', html],
    ] as const;
    for (const [method, route, headers] of passes) {
      const res = await fetch(`${base}${route}`, { method, headers });
      expect(res.status, `${method} ${route}`).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    }
  });
});
