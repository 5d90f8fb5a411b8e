import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mariadb from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '@kelisim/auth';
import { createRedis } from '@kelisim/redis';
import {
  createTestDatabase,
  createUser,
  startRedisClusterTopology,
  startSentinelTopology,
  startServerNode,
  testJwtConfig,
  testRedisConfig,
  testServerConfig,
  type GatewayProcess,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';

const doctorRoot = fileURLToPath(new URL('..', import.meta.url));
const secret = 'doctor-test-secret-shared-with-laravel';
const userModel = 'App\\Models\\User';
const checks = [
  'Database',
  'Collation',
  'Migrations',
  'Redis',
  'Laravel broadcasts',
  'Token',
  'Storage',
  'File links',
] as const;
type Check = (typeof checks)[number];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Each check's line, by name. */
  lines: Record<Check, string>;
}

/** The doctor as an operator runs it, with only the settings given here (no .env). */
function runDoctor(env: Record<string, string>, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: doctorRoot, env: { PATH: process.env.PATH, ENV_FILE: '/nonexistent/.env', ...env } },
      (error, stdout, stderr) => {
        const lines = Object.fromEntries(
          checks.map((check) => [
            check,
            stdout.split('\n').find((line) => line.slice(2).startsWith(`${check}:`)) ?? '',
          ]),
        ) as Record<Check, string>;
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, lines });
      },
    );
  });
}

function databaseEnv(database: TestDatabase, name = database.name): Record<string, string> {
  return {
    DB_HOST: database.config.host,
    DB_PORT: String(database.config.port),
    DB_USERNAME: database.config.user,
    DB_PASSWORD: database.config.password,
    DB_DATABASE: name,
  };
}

const redisConfig = testRedisConfig();
const redisEnv = { REDIS_HOST: redisConfig.host, REDIS_PORT: String(redisConfig.port) };
const laravelToken = (userId: number, key = secret) =>
  mintToken({ ...testJwtConfig, secret: key, userModel }, userId);

/** Publishes what Laravel's Redis broadcaster would, under `prefix`, until stopped. */
function broadcastAsLaravel(prefix: string): () => Promise<void> {
  const publisher = createRedis(redisConfig);
  const payload = JSON.stringify({
    event: 'App\\Events\\OrderShipped',
    data: { order_id: 1 },
    socket: null,
  });
  const timer = setInterval(() => {
    void publisher.publish(`${prefix}private-orders.1`, payload);
  }, 100);
  return async () => {
    clearInterval(timer);
    await publisher.quit();
  };
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

let database: TestDatabase;
let user: TestUser;
/** An all-in-one node serving file links, signed with `secret`. */
let node: GatewayProcess;
let storagePath: string;
const storageEnv = () => ({
  STORAGE_PATH: storagePath,
  STORAGE_BASE_URL: `${node.url}/storage/chat-files`,
});
const prefix = `doctor_${randomBytes(4).toString('hex')}_database_`;
/** A good installation's settings (Laravel's secret and broadcast prefix), over `db`. */
const installationEnv = (db = database) => ({
  ...databaseEnv(db),
  ...redisEnv,
  JWT_SECRET: secret,
  REDIS_PREFIX: prefix,
  ...storageEnv(),
});
let stopBroadcasting: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase('doctor');
  user = await createUser(database.db, 'Doctor Who');
  stopBroadcasting = broadcastAsLaravel(prefix);
  storagePath = await mkdtemp(join(tmpdir(), 'kelisim-doctor-'));
  await writeFile(join(storagePath, 'not-a-directory'), '');
  node = await startServerNode({
    ...databaseEnv(database),
    ...redisEnv,
    CHAT_REDIS_KEY_PREFIX: `${prefix}node:`,
    JWT_SECRET: secret,
    STORAGE_PATH: storagePath,
  });
});
afterAll(async () => {
  node?.kill();
  await node?.exited;
  await stopBroadcasting();
  await database.drop();
  await rm(storagePath, { recursive: true, force: true });
});

describe('pnpm run doctor', () => {
  it('passes every check of a good installation and exits 0', async () => {
    const env = { ...installationEnv(), JWT_USER_MODEL: userModel };
    const run = await runDoctor(env, ['--token', laravelToken(user.id), '--listen', '2']);
    expect(run.stderr).toBe('');
    for (const check of checks) expect(run.lines[check]).toMatch(/^✔ /);
    expect(run.lines.Database).toMatch(/^✔ Database: MariaDB \d+\.\d+\.\d+ at /);
    expect(run.lines.Collation).toContain('utf8mb4 / utf8mb4_unicode_ci');
    expect(run.lines.Migrations).toMatch(/all \d+ applied/);
    expect(run.lines['Laravel broadcasts']).toContain(`under prefix "${prefix}" (REDIS_PREFIX)`);
    expect(run.lines.Token).toContain(`user ${user.id} (Doctor Who) exists`);
    expect(run.lines.Storage).toContain(`STORAGE_PATH ${storagePath} is writable`);
    expect(run.lines['File links']).toContain(
      `${node.url}/storage/chat-files reaches a node that accepts links signed here`,
    );
    expect(run.stdout).toContain('All 8 checks passed.');
    expect(run.code).toBe(0);
  });

  it('warns without --token that a minted token only proves self-consistency, still exit 0', async () => {
    const run = await runDoctor(installationEnv(), ['--listen', '1']);
    expect(run.lines.Token).toMatch(/^⚠ Token: a token minted with HS256 and JWT_SECRET verifies/);
    expect(run.lines.Token).toContain('--token <a token Laravel issued>');
    expect(run.code).toBe(0);
  });

  it('shows ✖ lines and exits 1: missing database, Redis down, wrong secret', async () => {
    const missing = `kelisim_test_doctor_missing_${randomBytes(4).toString('hex')}`;
    const run = await runDoctor(
      {
        ...databaseEnv(database, missing),
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(await closedPort()),
        JWT_SECRET: 'not-the-secret-laravel-uses',
        // Under a file: no directory can be made there.
        STORAGE_PATH: join(storagePath, 'not-a-directory', 'uploads'),
        STORAGE_BASE_URL: storageEnv().STORAGE_BASE_URL,
      },
      ['--token', laravelToken(user.id), '--listen', '1'],
    );
    expect(run.lines.Database).toMatch(
      new RegExp(`^✖ Database: database "${missing}" does not exist .* — set DB_DATABASE`),
    );
    expect(run.lines.Collation).toBe('– Collation: not checked: the database is not reachable');
    expect(run.lines.Migrations).toBe('– Migrations: not checked: the database is not reachable');
    expect(run.lines.Redis).toMatch(/^✖ Redis: nothing accepts connections at .* — start Redis/);
    expect(run.lines['Laravel broadcasts']).toMatch(/^– Laravel broadcasts: not checked/);
    expect(run.lines.Token).toMatch(
      /^✖ Token: the signature does not verify with JWT_SECRET .* — copy JWT_SECRET from Laravel's \.env/,
    );
    expect(run.lines.Storage).toMatch(
      /^✖ Storage: cannot write to STORAGE_PATH .*not-a-directory.*ENOTDIR/,
    );
    expect(run.lines['File links']).toMatch(
      /^✖ File links: the node at STORAGE_BASE_URL .* refuses links signed with this installation's key — give every node/,
    );
    expect(run.stdout).toMatch(/5 checks failed .*: fix the ✖ lines/);
    expect(run.code).toBe(1);
  });

  it('fails File links when nothing answers at STORAGE_BASE_URL', async () => {
    const base = `http://127.0.0.1:${await closedPort()}/storage/chat-files`;
    const env = { ...installationEnv(), STORAGE_BASE_URL: base };
    const run = await runDoctor(env, ['--listen', '1']);
    expect(run.lines['File links']).toMatch(
      new RegExp(
        `^✖ File links: nothing answers at STORAGE_BASE_URL ${base}: .* — set STORAGE_BASE_URL`,
      ),
    );
    expect(run.code).toBe(1);
  });

  it('reports the master the sentinels name and its replica, and says to start the sentinels when none answers', async () => {
    const topology = await startSentinelTopology();
    try {
      const sentinelEnv = { ...installationEnv(), REDIS_HOST: 'unused.invalid', ...topology.env };
      const run = await runDoctor(sentinelEnv, ['--listen', '1']);
      expect(run.lines.Redis).toMatch(
        new RegExp(
          `^✔ Redis: Redis 7\\.[\\d.]+ at 127\\.0\\.0\\.1:${topology.master.port}, the master "${topology.masterName}" of sentinels ${topology.env.REDIS_SENTINELS}, with 1 replica\\(s\\), db 0$`,
        ),
      );
      for (const sentinel of topology.sentinels) await sentinel.kill();
      const down = await runDoctor(sentinelEnv, ['--listen', '1']);
      expect(down.lines.Redis).toMatch(
        /^✖ Redis: .* — start the sentinels, or set REDIS_SENTINELS/,
      );
      expect(down.code).toBe(1);
    } finally {
      await topology.close();
    }
  });

  it('reports the masters, replicas and state of a Redis Cluster, and says to start it when no node answers', async () => {
    const topology = await startRedisClusterTopology();
    try {
      const clusterEnv = { ...installationEnv(), REDIS_HOST: 'unused.invalid', ...topology.env };
      const run = await runDoctor(clusterEnv, ['--listen', '1']);
      expect(run.lines.Redis).toMatch(
        new RegExp(
          `^✔ Redis: Redis 7\\.[\\d.]+, Redis Cluster of ${topology.env.REDIS_CLUSTER_NODES}: 3 master\\(s\\), 3 replica\\(s\\), cluster_state ok, sharded pub/sub available$`,
        ),
      );
      for (const server of topology.servers) await server.kill();
      const down = await runDoctor(clusterEnv, ['--listen', '1']);
      expect(down.lines.Redis).toMatch(
        /^✖ Redis: no node answers as a cluster .* — start the cluster, or set REDIS_CLUSTER_NODES/,
      );
      expect(down.code).toBe(1);
    } finally {
      await topology.close();
    }
  });

  it('reports failed, pending and changed migrations and a database that is not utf8mb4', async () => {
    const broken = await createTestDatabase('doctor_broken');
    const { connectionLimit: _, ...server } = testServerConfig();
    const connection = await mariadb.createConnection({ ...server, database: broken.name });
    try {
      const applied = await connection.query<{ migration_name: string }[]>(
        'SELECT migration_name FROM _prisma_migrations ORDER BY migration_name',
      );
      const [first, second] = applied.map((row) => row.migration_name);
      await connection.query('DELETE FROM _prisma_migrations WHERE migration_name = ?', [second]);
      await connection.query(
        'UPDATE _prisma_migrations SET checksum = ? WHERE migration_name = ?',
        ['0'.repeat(64), first],
      );
      await connection.query(
        'INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES (?, ?, ?, ?)',
        [randomUUID(), '1'.repeat(64), '20991231000000_half_done', "Table 'x' already exists"],
      );
      await connection.query(
        `ALTER DATABASE \`${broken.name}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`,
      );

      const run = await runDoctor(installationEnv(broken), ['--listen', '1']);
      expect(run.lines.Collation).toMatch(
        new RegExp(`^✖ Collation: not utf8mb4: database ${broken.name}; .* ALTER DATABASE`),
      );
      expect(run.lines.Migrations).toMatch(
        /^✖ Migrations: 1 failed, 1 pending, 1 changed after being applied — undo what the failed migration did, .*20991231000000_half_done/,
      );
      expect(run.stdout).toContain(`    pending:  ${second}`);
      expect(run.stdout).toContain(`    modified: ${first} (checksum differs)`);
      expect(run.stdout).toContain(
        "    failed:   20991231000000_half_done: Table 'x' already exists",
      );
      expect(run.code).toBe(1);
    } finally {
      await connection.end();
      await broken.drop();
    }
  });
});
