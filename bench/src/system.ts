import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import type { DatabaseConfig } from '@kelisim/config';
import { createDb, migrate, type Db } from '@kelisim/db';
import { dropDatabase, testJwtConfig, testServerConfig, tokenFor } from '@kelisim/testing';
import { freePort, spawnProcess, stopProcess, waitUntilReady, type BenchProcess } from './proc.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The app the nodes run: `server` (the all-in-one node, default) or `realtime` (the socket
 * gateway alone, for the connections and fanout scenarios), from `BENCH_ROLE`.
 */
export const benchRole = roleFromEnv(process.env.BENCH_ROLE);

function roleFromEnv(value: string | undefined): 'server' | 'realtime' {
  if (value === undefined || value === '' || value === 'server') return 'server';
  if (value === 'realtime') return 'realtime';
  throw new Error(`BENCH_ROLE must be server or realtime, not "${value}"`);
}
const serverDir = join(repoRoot, 'apps', benchRole);
const serverBundle = join(serverDir, 'dist/main.js');
const resolveNpm = fileURLToPath(new URL('./sut/resolve-npm.mjs', import.meta.url));
/** Serialises rebuilds of the bundle between bench runs started at the same time. */
const buildLock = '/tmp/kelisim-bench-build.lock';

export interface BenchNode extends BenchProcess {
  url: string;
  port: number;
}

export interface SeededData {
  userIds: number[];
  chats: { id: number; memberIds: number[] }[];
}

export interface SystemUnderTest {
  nodes: BenchNode[];
  /** The environment every node runs with (PORT aside). */
  env: Record<string, string>;
  /** Prisma client of the bench database. */
  db: Db;
  database: DatabaseConfig;
  /** A plain connection to the Redis the nodes share (no key prefix): a server, or a Cluster. */
  redis: Redis | Cluster;
  /** The nodes' `CHAT_REDIS_KEY_PREFIX`. */
  keyPrefix: string;
  /** The nodes' `REDIS_PREFIX`: Laravel broadcasts are published on `<broadcastPrefix><channel>`. */
  broadcastPrefix: string;
  tokenFor(userId: number): string;
  /** `users` users; consecutive runs of `chatSize` of them form group chats (none when 0). */
  seed(options: { users: number; chatSize: number }): Promise<SeededData>;
  /** Another node (or a restarted one, on `port`) with the same environment. */
  startNode(options?: { port?: number }): Promise<BenchNode>;
  /** Kills the nodes, drops the database and the Redis keys. */
  stop(): Promise<void>;
}

/** `BENCH_NODE_ENV="A=1 B=2"`: settings for our nodes on top of the bench's (e.g. a limit to try). */
function extraNodeEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_NODE_ENV ?? '').split(' ').filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`BENCH_NODE_ENV: "${pair}" is not NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/**
 * The system as an operator runs it: `nodes` all-in-one nodes from the production bundle
 * (`apps/server/dist/main.js`, rebuilt when missing or older than the sources), on a fresh
 * database with every migration applied and a Redis namespace of their own.
 *
 * `BENCH_CPU_PROF=<dir>` runs the nodes under `--cpu-prof` (a `.cpuprofile` per node on exit);
 * `BENCH_NODE_ARGS` adds Node.js flags to our nodes (e.g. `--heapsnapshot-signal=SIGUSR2`),
 * `BENCH_NODE_ENV` settings. `BENCH_DB_SOCKET=<path>` puts everything that talks to MariaDB (our
 * nodes as DB_SOCKET, and the raw driver phases) on the server's Unix socket instead of TCP.
 */
export async function startSystem(options: {
  label: string;
  nodes: number;
  /** Overrides of the nodes' environment; `REDIS_CLUSTER_NODES` puts them on a Redis Cluster. */
  env?: Record<string, string>;
  /** Nodes open the inspector, for `heapUsedAfterGc`. */
  inspect?: boolean;
}): Promise<SystemUnderTest> {
  ensureServerBundle();
  const id = randomBytes(4).toString('hex');
  const dbSocket = process.env.BENCH_DB_SOCKET;
  const database: DatabaseConfig = {
    ...testServerConfig(),
    database: `kelisim_bench_${options.label.replace(/\W+/g, '_')}_${id}`,
    ...(dbSocket ? { socketPath: dbSocket } : {}),
  };
  await migrate(database, { createDatabase: true });
  const db = createDb(database);
  const redisHost = process.env.REDIS_HOST ?? '127.0.0.1';
  const redisPort = Number(options.env?.REDIS_PORT ?? process.env.REDIS_PORT ?? 6379);
  const clusterNodes = options.env?.REDIS_CLUSTER_NODES;
  const redis = clusterNodes
    ? new Cluster(
        clusterNodes.split(',').map((node) => `redis://${node}`),
        { lazyConnect: true },
      )
    : new Redis({ host: redisHost, port: redisPort, lazyConnect: true });
  await redis.connect();
  const keyPrefix = `kelisim_bench:${id}:`;
  const broadcastPrefix = `kelisim_bench_${id}_`;
  const storagePath = join('/tmp', `kelisim-bench-${id}`);
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    ENV_FILE: '/nonexistent',
    DB_HOST: database.host,
    DB_PORT: String(database.port),
    DB_DATABASE: database.database,
    DB_USERNAME: database.user,
    DB_PASSWORD: database.password,
    ...(dbSocket ? { DB_SOCKET: dbSocket } : {}),
    REDIS_HOST: redisHost,
    REDIS_PORT: String(redisPort),
    REDIS_PREFIX: broadcastPrefix,
    CHAT_REDIS_KEY_PREFIX: keyPrefix,
    CHAT_SOCKET_IO_KEY: `${keyPrefix}socket.io`,
    JWT_SECRET: testJwtConfig.secret,
    JWT_ALGO: testJwtConfig.algorithm,
    LOG_LEVEL: 'warn',
    STORAGE_PATH: storagePath,
    // The bench measures capacity, not the abuse limits: lift them far out of the way.
    CHAT_SEND_RATE_LIMIT: '1000000',
    CHAT_SEND_RATE_WINDOW: '1',
    CHAT_SOCKET_EVENT_LIMIT: '1000000',
    CHAT_SOCKET_EVENT_WINDOW: '1',
    CHAT_UNREAD_RECONCILE_INTERVAL: '0',
    // Several nodes on this machine: a free loopback metrics port each.
    METRICS_PORT: '0',
    ...options.env,
    ...extraNodeEnv(),
  };
  const cpuProfileDir = process.env.BENCH_CPU_PROF;
  const extraNodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

  const nodes: BenchNode[] = [];
  let nodeCount = 0;
  const startNode = async (nodeOptions: { port?: number } = {}): Promise<BenchNode> => {
    const port = nodeOptions.port ?? (await freePort());
    const nodeNumber = ++nodeCount;
    const args = [
      '--import',
      resolveNpm,
      '--enable-source-maps',
      ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
      ...extraNodeArgs,
      serverBundle,
    ];
    const proc = spawnProcess({
      args,
      inspect: options.inspect,
      cwd: serverDir,
      env: {
        ...env,
        [benchRole === 'realtime' ? 'REALTIME_PORT' : 'PORT']: String(port),
        CHAT_NODE_ID: `bench-${nodeNumber}`,
      },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(`${url}/health/ready`, proc);
    const node: BenchNode = { ...proc, url, port };
    nodes.push(node);
    return node;
  };

  const system: SystemUnderTest = {
    nodes,
    env,
    db,
    database,
    redis,
    keyPrefix,
    broadcastPrefix,
    tokenFor: (userId) => tokenFor(userId),
    seed: (seedOptions) => seed(db, seedOptions),
    startNode,
    async stop() {
      await Promise.all(nodes.map((node) => stopProcess(node)));
      await db.$disconnect();
      await dropDatabase(database.database);
      await deleteKeys(redis, `${keyPrefix}*`);
      redis.disconnect();
      await rm(storagePath, { recursive: true, force: true });
    },
  };
  try {
    // In parallel: a node's start is mostly waiting (connections, the first queries).
    await Promise.all(Array.from({ length: options.nodes }, () => startNode()));
  } catch (error) {
    await system.stop().catch(() => undefined);
    throw error;
  }
  return system;
}

/** Deletes every key matching `pattern` (SCAN, bounded by the keyspace), on every master. */
export async function deleteKeys(redis: Redis | Cluster, pattern: string): Promise<void> {
  for (const server of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      // One key per command: a Cluster node refuses keys of several slots in one.
      if (keys.length > 0) await Promise.all(keys.map((key) => server.unlink(key)));
      cursor = next;
    } while (cursor !== '0');
  }
}

const SEED_BATCH = 5_000;

/**
 * Multi-row INSERTs of generated values (digits and fixed words only, nothing to escape): Prisma's
 * `createMany` takes ~20× longer for 20 000 users.
 */
async function insertRows(db: Db, table: string, columns: string, rows: string[]): Promise<void> {
  for (let start = 0; start < rows.length; start += SEED_BATCH) {
    const values = rows.slice(start, start + SEED_BATCH).join(',');
    await db.$executeRawUnsafe(`INSERT INTO ${table} (${columns}) VALUES ${values}`);
  }
}

async function seed(db: Db, options: { users: number; chatSize: number }): Promise<SeededData> {
  const tag = randomBytes(3).toString('hex');
  const stamp = 'UTC_TIMESTAMP()';
  await insertRows(
    db,
    'users',
    'name, email, password, created_at, updated_at',
    Array.from(
      { length: options.users },
      (_, i) => `('Bench ${i + 1}', 'bench.${tag}.${i + 1}@example.test', '', ${stamp}, ${stamp})`,
    ),
  );
  const users = await db.user.findMany({
    where: { email: { startsWith: `bench.${tag}.` } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  const userIds = users.map((user) => Number(user.id));
  if (options.chatSize <= 0) return { userIds, chats: [] };
  const groups: number[][] = [];
  for (let start = 0; start + options.chatSize <= userIds.length; start += options.chatSize) {
    groups.push(userIds.slice(start, start + options.chatSize));
  }
  await insertRows(
    db,
    'chats',
    'type, name, created_by, last_activity_at, created_at, updated_at',
    groups.map(
      (memberIds, i) =>
        `('group', 'Bench ${tag} ${i + 1}', ${memberIds[0]}, ${stamp}, ${stamp}, ${stamp})`,
    ),
  );
  const chatRows = await db.chat.findMany({
    where: { name: { startsWith: `Bench ${tag} ` } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  const chats = chatRows.map((row, i) => ({ id: Number(row.id), memberIds: groups[i]! }));
  await insertRows(
    db,
    'participants',
    'chat_id, user_id, role, created_at, updated_at',
    chats.flatMap((chat) =>
      chat.memberIds.map(
        (userId, index) =>
          `(${chat.id}, ${userId}, '${index === 0 ? 'owner' : 'member'}', ${stamp}, ${stamp})`,
      ),
    ),
  );
  return { userIds, chats };
}

/** Rebuilds the role's `dist/main.js` when it is missing or older than any source it bundles. */
export function ensureServerBundle(): void {
  if (existsSync(serverBundle) && !sourcesNewerThan(statSync(serverBundle).mtimeMs)) return;
  const result = spawnSync(
    'flock',
    [buildLock, process.execPath, join(repoRoot, 'scripts/build.mjs'), 'src/main.ts'],
    { cwd: serverDir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`building ${serverBundle} failed`);
}

function sourcesNewerThan(mtimeMs: number): boolean {
  const roots = ['apps', 'packages'].flatMap((dir) =>
    readdirSync(join(repoRoot, dir)).map((name) => join(repoRoot, dir, name, 'src')),
  );
  const files = [join(repoRoot, 'scripts/build.mjs'), join(repoRoot, 'prisma/schema.prisma')];
  const newer = (path: string): boolean => {
    if (!existsSync(path)) return false;
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs > mtimeMs;
    return readdirSync(path).some((name) => name !== 'node_modules' && newer(join(path, name)));
  };
  return [...files, ...roots].some(newer);
}
