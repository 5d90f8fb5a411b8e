import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { createApp } from '@kelisim/api';
import { createAuthenticator } from '@kelisim/auth';
import type { RedisConfig } from '@kelisim/config';
import type { DomainContext } from '@kelisim/domain';
import { bullConnection, bullPrefix, createJobQueues, type JobQueues } from '@kelisim/jobs';
import { silentLogger } from '@kelisim/logger';
import { createDomainContext, createRedis, createSocketPublisher } from '@kelisim/redis';
import {
  clusterEnv,
  RecordingJobQueue,
  createTestDatabase,
  looseMembershipLimits,
  startGateway,
  testJwtConfig,
  testRedisConfig,
  type GatewayProcess,
  type TestDatabase,
} from '@kelisim/testing';

export interface TestCluster {
  database: TestDatabase;
  redis: Redis;
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
      ? createJobQueues(bullConnection(redisConfig), bullPrefix(redisConfig), logger)
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
