import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '@kelisim/auth';
import { createDb } from '@kelisim/db';
import {
  createUser,
  dropDatabase,
  testJwtConfig,
  testServerConfig,
  tokenFor,
} from '@kelisim/testing';
import { localServersEnv, repoRoot, runToExit, startServing } from './start-script.js';

const database = `kelisim_test_first_run_${randomBytes(4).toString('hex')}`;
let scratch: string;
let closedPort: number;

/** A loopback port nothing listens on (taken, then released). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'kelisim-first-run-'));
  closedPort = await unusedPort();
});
afterAll(async () => {
  await dropDatabase(database);
  await rm(scratch, { recursive: true, force: true });
});

/** The environment of a fresh clone: nothing but where the local servers are, no `.env`. */
function freshEnv(extra: Record<string, string> = {}): Record<string, string> {
  return localServersEnv(database, path.join(scratch, 'storage'), extra);
}

const composeHint = '`docker compose up -d mariadb redis`';

describe('pnpm start -- --migrate on a fresh clone (no .env, no JWT_SECRET)', () => {
  it('generates a 64-character JWT_SECRET into .env, says so in one line, and accepts tokens signed with it', async () => {
    const envFile = path.join(scratch, 'fresh.env');
    const serving = await startServing(['--migrate'], freshEnv({ ENV_FILE: envFile }));
    const { child, port, output, exited } = serving;
    const base = `http://127.0.0.1:${port}`;
    try {
      const written = await readFile(envFile, 'utf8');
      expect(written).toMatch(/^JWT_SECRET=[A-Za-z0-9_-]{64}\n$/);
      const secret = written.trim().slice('JWT_SECRET='.length);
      const notices = output.filter((line) => line.includes('Generated JWT_SECRET'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain("set JWT_SECRET to the value in Laravel's .env");
      expect(notices[0]).toContain(envFile);
      expect(output.join('\n')).not.toContain(secret);

      const db = createDb({ ...testServerConfig(), database });
      const user = await createUser(db, 'First');
      await db.$disconnect();
      const chats = (token: string) =>
        fetch(`${base}/api/chats`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await chats(mintToken({ ...testJwtConfig, secret }, user.id))).status).toBe(200);
      expect((await chats(tokenFor(user.id))).status).toBe(401);

      // /metrics stays off the public port: it is on the loopback metrics listener.
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      const metrics = await fetch(`http://127.0.0.1:${serving.metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('kelisim_http_request_duration_seconds');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 150_000);

  it('keeps the secret of an existing .env: a second start generates nothing', async () => {
    const envFile = path.join(scratch, 'kept.env');
    const secret = randomBytes(32).toString('hex');
    await writeFile(envFile, `JWT_SECRET=${secret}\nDB_PORT=${closedPort}\n`);
    const { DB_PORT: _fromFile, ...env } = freshEnv({ ENV_FILE: envFile });
    const run = await runToExit(['scripts/start.mjs'], repoRoot, env);
    expect(run.code).toBe(1);
    expect(await readFile(envFile, 'utf8')).toBe(`JWT_SECRET=${secret}\nDB_PORT=${closedPort}\n`);
    expect(run.stdout.join('\n')).not.toContain('Generated JWT_SECRET');
  }, 150_000);
});

describe('APP_ENV=production', () => {
  it('refuses the placeholder, a short secret, and an unset one, naming JWT_SECRET; generates nothing', async () => {
    const envFile = path.join(scratch, 'production.env');
    for (const secret of ['your_jwt_secret_from_laravel', 'short-secret', '']) {
      const run = await runToExit(
        ['--import', 'tsx', 'src/main.ts'],
        path.join(repoRoot, 'apps/server'),
        {
          ...freshEnv({ ENV_FILE: envFile }),
          APP_ENV: 'production',
          JWT_SECRET: secret,
        },
      );
      expect(run.code, secret).toBe(1);
      expect(run.stderr.join('\n'), secret).toMatch(/JWT_SECRET: /);
      expect(run.stdout.join('\n'), secret).not.toContain('kelisim listening');
    }
    await expect(readFile(envFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  }, 150_000);
});

describe('MariaDB or Redis unreachable at start: one sentence, exit 1', () => {
  const databaseDown = new RegExp(
    `^Cannot reach MariaDB/MySQL at 127\\.0\\.0\\.1:(\\d+) \\(DB_HOST/DB_PORT or DATABASE_URL\\): start it, e\\.g\\. ${escape(composeHint)}, or point those settings at your server\\.$`,
  );
  const redisDown = new RegExp(
    `^Cannot reach Redis at 127\\.0\\.0\\.1:(\\d+) \\(REDIS_HOST/REDIS_PORT or REDIS_URL\\): start it, e\\.g\\. ${escape(composeHint)}, or point those settings at your server\\.$`,
  );

  it('the all-in-one node, and the migration `pnpm start -- --migrate` runs first', async () => {
    const secret = { JWT_SECRET: randomBytes(32).toString('hex'), ENV_FILE: '/nonexistent' };
    const node = await runToExit(['scripts/start.mjs'], repoRoot, {
      ...freshEnv(secret),
      DB_PORT: String(closedPort),
    });
    expect(node.code).toBe(1);
    expect(node.stderr).toEqual([expect.stringMatching(databaseDown)]);
    expect(node.stderr[0]).toContain(`:${closedPort} `);

    const migrate = await runToExit(['scripts/start.mjs', '--migrate'], repoRoot, {
      ...freshEnv(secret),
      DB_PORT: String(closedPort),
    });
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toEqual([expect.stringMatching(databaseDown)]);

    const noRedis = await runToExit(['scripts/start.mjs'], repoRoot, {
      ...freshEnv(secret),
      DB_DATABASE: 'mysql',
      REDIS_PORT: String(closedPort),
    });
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toEqual([expect.stringMatching(redisDown)]);
  }, 150_000);

  it('the separate api, realtime and worker processes', async () => {
    const env = {
      ...freshEnv({ JWT_SECRET: randomBytes(32).toString('hex'), ENV_FILE: '/nonexistent' }),
      DB_DATABASE: 'mysql',
      REALTIME_PORT: '0',
      WORKER_PORT: '0',
    };
    for (const app of ['api', 'realtime', 'worker']) {
      const cwd = path.join(repoRoot, 'apps', app);
      const args = ['--import', 'tsx', 'src/main.ts'];
      const noDatabase = await runToExit(args, cwd, { ...env, DB_PORT: String(closedPort) });
      expect(noDatabase.code, app).toBe(1);
      expect(noDatabase.stderr, app).toEqual([expect.stringMatching(databaseDown)]);
      const noRedis = await runToExit(args, cwd, { ...env, REDIS_PORT: String(closedPort) });
      expect(noRedis.code, app).toBe(1);
      expect(noRedis.stderr, app).toEqual([expect.stringMatching(redisDown)]);
    }
  }, 240_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
