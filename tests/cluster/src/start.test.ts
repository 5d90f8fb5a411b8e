import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@kelisim/db';
import {
  connectClient,
  dropDatabase,
  testJwtConfig,
  testRedisConfig,
  testServerConfig,
  tokenFor,
} from '@kelisim/testing';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
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
    const server = testServerConfig();
    const redis = testRedisConfig();
    const child = spawn(process.execPath, ['scripts/start.mjs', '--migrate'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        ENV_FILE: '/nonexistent',
        PORT: '0',
        DB_HOST: server.host,
        DB_PORT: String(server.port),
        DB_USERNAME: server.user,
        DB_PASSWORD: server.password,
        DB_DATABASE: database,
        REDIS_HOST: redis.host,
        REDIS_PORT: String(redis.port),
        CHAT_REDIS_KEY_PREFIX: redis.keyPrefix,
        CHAT_SOCKET_IO_KEY: `${redis.keyPrefix}socket.io`,
        JWT_SECRET: testJwtConfig.secret,
        STORAGE_PATH: storageDir,
        CHAT_UNREAD_RECONCILE_INTERVAL: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
    let metricsPort: number | undefined;
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start:\n${output.join('\n')}`)), 90_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        output.push(line);
        const metricsMatch = /"msg":"metrics listening"/.test(line) && /"port":(\d+)/.exec(line);
        if (metricsMatch) metricsPort = Number(metricsMatch[1]);
        const match =
          /"msg":"kelisim listening".*?"port":(\d+)|"port":(\d+).*?"msg":"kelisim listening"/.exec(
            line,
          );
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1] ?? match[2]));
        }
      });
      void exited.then((code) => reject(new Error(`exited ${code}:\n${output.join('\n')}`)));
    });
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

      const db = createDb({ ...server, database });
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
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
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
