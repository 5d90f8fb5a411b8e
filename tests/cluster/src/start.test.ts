import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@kelisim/db';
import {
  connectClient,
  dropDatabase,
  testJwtConfig,
  testServerConfig,
  tokenFor,
} from '@kelisim/testing';
import { localServersEnv, repoRoot, startServing } from './start-script.js';

const webBuild = path.join(repoRoot, 'apps', 'web', 'dist', 'index.html');
const database = `kelisim_test_start_${randomBytes(4).toString('hex')}`;
let storageDir: string;

beforeAll(async () => {
  storageDir = await mkdtemp(path.join(tmpdir(), 'kelisim-start-'));
});
afterAll(async () => {
  await dropDatabase(database);
  await rm(storageDir, { recursive: true, force: true });
});

describe('pnpm start -- --migrate', () => {
  it('migrates, then serves the page, the API and socket.io on one port, and stops on SIGTERM', async () => {
    const serving = await startServing(
      ['--migrate'],
      localServersEnv(database, storageDir, {
        ENV_FILE: '/nonexistent',
        JWT_SECRET: testJwtConfig.secret,
      }),
    );
    const { child, port, output, exited } = serving;
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(output.join('\n')).toMatch(/Applying .*create_chat_tables/);
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Kelisim Chat');
      // setup.mjs (run by start.mjs) builds apps/web when it has sources; then / is the client.
      if (existsSync(webBuild)) {
        expect(html).toContain('<div id="root">');
        const route = await fetch(`${base}/chats/1`, { headers: { Accept: 'text/html' } });
        expect(route.status).toBe(200);
        expect(await route.text()).toBe(html);
      }
      const api = await fetch(`${base}/api/nothing-here`, { headers: { Accept: 'text/html' } });
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ code: 'unauthenticated' });
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);

      const db = createDb({ ...testServerConfig(), database });
      const now = new Date();
      const [ada, bo] = [
        await db.user.create({
          data: {
            name: 'Ada',
            email: 'ada@start.test',
            password: '',
            createdAt: now,
            updatedAt: now,
          },
        }),
        await db.user.create({
          data: {
            name: 'Bo',
            email: 'bo@start.test',
            password: '',
            createdAt: now,
            updatedAt: now,
          },
        }),
      ];
      await db.$disconnect();
      const created = await fetch(`${base}/api/chats`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${tokenFor(Number(ada.id))}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ type: 'direct', participant_ids: [Number(bo.id)] }),
      });
      expect(created.status).toBe(201);
      const { data: chat } = (await created.json()) as { data: { id: number } };

      const socket = await connectClient(base, Number(bo.id));
      const ack = await socket.emitWithAck('send_message', {
        chat_id: chat.id,
        content: 'one port for all',
      });
      expect(ack).toMatchObject({ ok: true, message: { seq: 1, content: 'one port for all' } });
      // /metrics is on the loopback metrics listener, not on the public port.
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      const metrics = await (await fetch(`http://127.0.0.1:${serving.metricsPort}/metrics`)).text();
      socket.close();
      expect(metrics).toMatch(/^kelisim_sockets_connected\{[^}]*\} 1$/m);
      expect(metrics).toMatch(/kelisim_events_published_total\{[^}]*event="new_message"[^}]*\} 1/);
      expect(metrics).toMatch(
        /kelisim_http_request_duration_seconds_count\{[^}]*route="\/api\/chats"/,
      );
      expect(metrics).toMatch(/kelisim_queue_jobs\{[^}]*queue="files"/);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    if (code !== 0) console.log(output.slice(-12).join('\n'));
    expect(code).toBe(0);
  });
});
