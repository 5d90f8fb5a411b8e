import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webClient } from './web-client.js';

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
  app.use(webClient(root));
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

  it('leaves other requests to the backend: API, health, metrics, socket.io, non-HTML, non-GET', async () => {
    const passes = [
      ['GET', '/api/chats', html],
      ['GET', '/api', html],
      ['GET', '/health', html],
      ['GET', '/health/ready', html],
      ['GET', '/metrics', html],
      ['GET', '/socket.io/?EIO=4', html],
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
