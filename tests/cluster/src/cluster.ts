import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { createApp } from '@kelisim/api';
import { createAuthenticator } from '@kelisim/auth';
import type { RedisConfig } from '@kelisim/config';
import type { DomainContext } from '@kelisim/domain';
import { bullConnection, bullPrefix, createJobQueues, type JobQueues } from '@kelisim/jobs';
import { silentLogger } from '@kelisim/logger';
import {
  createDomainContext,
  createRedis,
  createSocketPublisher,
  type RedisClient,
} from '@kelisim/redis';
import supertest from 'supertest';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  clusterEnv,
  connectClient,
  createUsers,
  tokenFor,
  type ChatClient,
  type TestUser,
  RecordingJobQueue,
  createTestDatabase,
  looseMembershipLimits,
  startGateway,
  testJwtConfig,
  testRedisConfig,
  type GatewayProcess,
  type TestDatabase,
} from '@kelisim/testing';
import { connectEcho, type EchoClient } from './echo-helpers.js';

export interface TestCluster {
  database: TestDatabase;
  redis: RedisClient;
  gateways: GatewayProcess[];
  /** The REST API, pushing to the gateways through the Redis emitter. */
  apiUrl: string;
  env: Record<string, string>;
  redisConfig: RedisConfig;
  /** The API's domain context; a worker started with it runs the jobs queued in the cluster. */
  domain: DomainContext;
  /** The API's BullMQ producer, when started with `{ jobs: 'bullmq' }` (jobs are recorded otherwise). */
  jobQueues?: JobQueues | undefined;
  startGateway(): Promise<GatewayProcess>;
  close(): Promise<void>;
}

/** N gateway processes and one API server sharing a fresh database and a Redis namespace. */
export async function startCluster(
  label: string,
  nodes: number,
  extraEnv: Record<string, string> = {},
  options: { jobs?: 'recorded' | 'bullmq' } = {},
): Promise<TestCluster> {
  const database = await createTestDatabase(label);
  const redisConfig = { ...testRedisConfig(), ...portOf(extraEnv) };
  const env = clusterEnv({ database: database.config, redis: redisConfig, extra: extraEnv });
  const redis = createRedis(redisConfig);
  redis.on('error', () => {});
  const gateways = await Promise.all(Array.from({ length: nodes }, () => startGateway(env)));
  const logger = silentLogger();
  const sockets = createSocketPublisher(
    redis,
    redisConfig,
    {
      adapter: env.CHAT_REDIS_ADAPTER === 'sharded' ? 'sharded' : 'classic',
      socketIoKey: env.CHAT_SOCKET_IO_KEY!,
    },
    logger,
  );
  const jobQueues =
    options.jobs === 'bullmq'
      ? createJobQueues(bullConnection(redisConfig), bullPrefix(redisConfig), logger, { redis })
      : undefined;
  const domain = createDomainContext({
    db: database.db,
    redis,
    events: sockets.publisher,
    jobs: jobQueues ?? new RecordingJobQueue(),
    chat: {
      messageMaxLength: 10_000,
      sendRateLimit: { points: 10_000, windowSeconds: 60 },
      ...looseMembershipLimits,
    },
    keyPrefix: redisConfig.keyPrefix,
  });
  const app = createApp({
    logger,
    verifyToken: createAuthenticator(testJwtConfig),
    healthChecks: {},
    domain,
  });
  const api: Server = app.listen(0, '127.0.0.1');
  await once(api, 'listening');
  return {
    database,
    redis,
    gateways,
    apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    env,
    redisConfig,
    domain,
    jobQueues,
    async startGateway() {
      const gateway = await startGateway(env);
      gateways.push(gateway);
      return gateway;
    },
    async close() {
      for (const gateway of gateways) gateway.kill('SIGKILL');
      await Promise.all(gateways.map((g) => g.exited));
      await jobQueues?.close();
      await sockets.close();
      api.closeAllConnections();
      await new Promise((resolve) => api.close(resolve));
      const keys = await redis.keys(`${redisConfig.keyPrefix}*`).catch(() => []);
      if (keys.length > 0) await redis.del(...keys).catch(() => 0);
      redis.disconnect();
      await database.drop();
    },
  };
}

function portOf(env: Record<string, string>): { port?: number } {
  return env.REDIS_PORT ? { port: Number(env.REDIS_PORT) } : {};
}

export interface ClusterFixture {
  /** Started before the tests of the file (or describe block) that called `useCluster`. */
  readonly cluster: TestCluster;
  users: TestUser[];
  /** A socket of `user` on gateway `node`, closed after the tests. */
  client: (node: number, user: TestUser) => Promise<ChatClient>;
  /** Closed after the tests, before the cluster stops. */
  closeLater: <T extends { close(): void }>(closeable: T) => T;
  /** A laravel-echo client of `user` on the gateway at `url`, disconnected after the tests. */
  echo: (url: string, user: TestUser) => Promise<EchoClient>;
  /** The cluster's REST API. */
  api: () => ReturnType<typeof supertest>;
  /** A group of `owner` with `members`, created through the REST API; its id. */
  createGroup: (owner: TestUser, members: TestUser[]) => Promise<number>;
}

/** The `Authorization` header of a user's token. */
export const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

/** A cluster with `users.count` users for the tests around the call; stopped after them. */
export function useCluster(
  label: string,
  nodes: number,
  users: { count: number; name: string },
  extraEnv: Record<string, string> = {},
): ClusterFixture {
  const closeables: { close(): void }[] = [];
  let started: TestCluster | undefined;
  const fixture: ClusterFixture = {
    get cluster() {
      if (!started) throw new Error('The cluster starts before the tests (beforeAll).');
      return started;
    },
    users: [],
    client: async (node, user) =>
      fixture.closeLater(await connectClient(fixture.cluster.gateways[node]!.url, user.id)),
    closeLater: (closeable) => {
      closeables.push(closeable);
      return closeable;
    },
    echo: async (url, user) => {
      const echo = await connectEcho(url, tokenFor(user.id));
      fixture.closeLater({ close: () => echo.disconnect() });
      return echo;
    },
    api: () => supertest(fixture.cluster.apiUrl),
    createGroup: async (owner, members) => {
      const res = await fixture
        .api()
        .post('/api/chats')
        .set(auth(owner))
        .send({ type: 'group', participant_ids: members.map((m) => m.id) });
      expect(res.status).toBe(201);
      return (res.body as { data: { id: number } }).data.id;
    },
  };
  beforeAll(async () => {
    started = await startCluster(label, nodes, extraEnv);
    fixture.users = await createUsers(started.database.db, users.count, users.name);
  });
  afterAll(async () => {
    for (const closeable of closeables) closeable.close();
    await started?.close();
  });
  return fixture;
}
