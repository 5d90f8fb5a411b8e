import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JwtBlacklistConfig } from '@kelisim/config';
import { createRedis, type RedisClient } from '@kelisim/redis';
import {
  clusterEnv,
  connectClient,
  createSanctumToken,
  createTestDatabase,
  createUsers,
  invalidateInLaravel,
  QueryLogProxy,
  startGateway,
  testBlacklistConfig,
  testRedisConfig,
  tokenFor,
  type ChatClient,
  type GatewayProcess,
  type TestDatabase,
} from '@kelisim/testing';
import { connectEcho, type EchoClient } from './echo-helpers.js';

const redisConfig = testRedisConfig();
const blacklist: JwtBlacklistConfig = testBlacklistConfig(redisConfig.keyPrefix);
let database: TestDatabase;
let redis: RedisClient;
let proxies: QueryLogProxy[];
let nodes: GatewayProcess[];
const sockets: ChatClient[] = [];
const echoes: EchoClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase('credentials');
  redis = createRedis(redisConfig);
  proxies = [0, 1].map(() => new QueryLogProxy(database.config));
  await Promise.all(proxies.map((proxy) => proxy.open()));
  nodes = await Promise.all(
    proxies.map((proxy) =>
      startGateway(
        clusterEnv({
          database: { ...database.config, host: '127.0.0.1', port: proxy.port },
          redis: redisConfig,
          extra: {
            LOG_LEVEL: 'debug',
            CHAT_AUTH_RECHECK_SECONDS: '1',
            CHAT_REAUTH_GRACE_SECONDS: '1',
            JWT_BLACKLIST_ENABLED: 'true',
            JWT_BLACKLIST_REDIS_DB: '0',
            JWT_BLACKLIST_REDIS_PREFIX: blacklist.redisPrefix,
            JWT_BLACKLIST_CACHE_PREFIX: blacklist.cachePrefix,
            SANCTUM_ENABLED: 'true',
          },
        }),
      ),
    ),
  );
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const echo of echoes) echo.disconnect();
  for (const node of nodes ?? []) node.kill('SIGKILL');
  await Promise.all((nodes ?? []).map((node) => node.exited));
  await Promise.all((proxies ?? []).map((proxy) => proxy.close()));
  const keys = await redis.keys(`${redisConfig.keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await database?.drop();
});

function next(socket: Socket, event: string, timeoutMs = 15_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${event} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once(event, (payload: unknown) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

async function echoClient(url: string, token: string): Promise<Socket> {
  const echo = await connectEcho(url, token);
  echoes.push(echo);
  return echo.connector.socket as unknown as Socket;
}

describe('laravel-echo sockets follow their token', () => {
  it('is told and disconnected when Laravel blacklists its token', async () => {
    const [user] = await createUsers(database.db, 1, 'EchoLogout');
    const token = tokenFor(user!.id);
    const socket = await echoClient(nodes[1]!.url, token);

    const revoked = next(socket, 'auth_revoked');
    const gone = next(socket, 'disconnect');
    await invalidateInLaravel(redis, blacklist, token);
    expect(await revoked).toEqual({ reason: 'logged_out' });
    expect(await gone).toBe('io server disconnect');
  });

  it('is told when its token expires and disconnected after the grace period', async () => {
    const [user] = await createUsers(database.db, 1, 'EchoExpiry');
    const now = Math.floor(Date.now() / 1000);
    const socket = await echoClient(
      nodes[0]!.url,
      tokenFor(user!.id, { iat: now, nbf: now, exp: now + 2 }),
    );

    expect(await next(socket, 'auth_expired')).toMatchObject({ grace_seconds: 1 });
    expect(await next(socket, 'disconnect')).toBe('io server disconnect');
  });
});

describe('the periodic re-check on each node', () => {
  it('asks MySQL once per round for all the users (and Sanctum tokens) of its own sockets', async () => {
    const users = await createUsers(database.db, 5, 'Batch');
    const onFirst = users.slice(0, 3);
    const onSecond = users.slice(3);
    const sanctum = await createSanctumToken(database.db, onFirst[0]!.id);
    for (const user of onFirst) {
      sockets.push(await connectClient(nodes[0]!.url, user.id));
      sockets.push(await connectClient(nodes[0]!.url, user.id));
    }
    sockets.push(await connectClient(nodes[0]!.url, onFirst[0]!.id, { token: sanctum.bearer }));
    for (const user of onSecond) sockets.push(await connectClient(nodes[1]!.url, user.id));

    await Promise.all([roundsWith(nodes[0]!, 7, 3), roundsWith(nodes[1]!, 2, 3)]);
    for (const node of nodes) node.kill('SIGTERM');
    expect(await Promise.all(nodes.map((node) => node.exited))).toEqual([0, 0]);

    const [first, second] = proxies.map((proxy) => batches(proxy.queries));
    expect(first!.users.length).toBe(rounds(nodes[0]!));
    expect(second!.users.length).toBe(rounds(nodes[1]!));
    expect(first!.tokens.length).toBe(rounds(nodes[0]!, 'sanctumTokens'));
    expect(second!.tokens).toEqual([]);
    // Rounds after the earlier tests' sockets left hold exactly this test's users.
    const own = (ids: number[][], expected: { id: number }[]) =>
      ids.filter((list) => list.length === expected.length).at(-1);
    expect(own(first!.users, onFirst)).toEqual(onFirst.map((u) => u.id).sort((a, b) => a - b));
    expect(own(second!.users, onSecond)).toEqual(onSecond.map((u) => u.id).sort((a, b) => a - b));
    expect(first!.tokens.at(-1)).toEqual([sanctum.id]);
  });
});

type RoundLog = { msg?: string; sockets?: number; sanctumTokens?: number };

function roundLogs(node: GatewayProcess): RoundLog[] {
  return node.logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as RoundLog;
      return entry.msg === 'credentials re-checked' ? [entry] : [];
    } catch {
      return [];
    }
  });
}

/** Rounds logged by the node (that had Sanctum tokens to check, with `'sanctumTokens'`). */
const rounds = (node: GatewayProcess, having?: 'sanctumTokens') =>
  roundLogs(node).filter((round) => !having || (round[having] ?? 0) > 0).length;

/** Waits for `count` rounds that covered `sockets` sockets. */
async function roundsWith(node: GatewayProcess, sockets: number, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (roundLogs(node).filter((round) => round.sockets === sockets).length < count) {
    if (Date.now() > deadline) throw new Error(`no ${count} rounds over ${sockets} sockets`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The id lists of the re-check's queries, in order. */
function batches(queries: string[]) {
  const ids = (table: string) =>
    queries.flatMap((sql) => {
      const match = new RegExp(`^\\s*SELECT id FROM ${table} WHERE id IN \\(([^)]*)\\)`).exec(sql);
      return match
        ? [
            match[1]!
              .split(',')
              .map((id) => Number(id.trim()))
              .sort((a, b) => a - b),
          ]
        : [];
    });
  return { users: ids('users'), tokens: ids('personal_access_tokens') };
}
