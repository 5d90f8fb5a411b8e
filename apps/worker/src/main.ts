import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { loadDotEnv } from '@kelisim/config';
import { runService } from '@kelisim/ops';
import { assertDatabaseReachable, createDb } from '@kelisim/db';
import { bullConnection, bullPrefix, createJobQueues } from '@kelisim/jobs';
import { createLogger } from '@kelisim/logger';
import {
  assertRedisReachable,
  createDomainContext,
  createPresence,
  createRedis,
  createSocketPublisher,
} from '@kelisim/redis';
import { createStorage } from '@kelisim/storage';
import { loadWorkerConfig } from './config.js';
import { createWorkerHttp } from './http.js';
import { createProcessors } from './processors/index.js';
import { startWorkers } from './worker.js';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadWorkerConfig(process.env);
  const logger = createLogger(config.log, { service: 'worker', nodeId: config.chat.nodeId });
  await Promise.all([assertDatabaseReachable(config.database), assertRedisReachable(config.redis)]);
  const db = createDb(config.database);
  const redis = createRedis(config.redis);
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const sockets = createSocketPublisher(redis, config.redis, config.chat, logger);
  const connection = bullConnection(config.redis);
  const prefix = bullPrefix(config.redis);
  const jobs = createJobQueues(connection, prefix, logger, { webhooks: config.webhooks });
  const ctx = createDomainContext({
    db,
    redis,
    events: sockets.publisher,
    jobs,
    chat: config.chat,
    keyPrefix: config.redis.keyPrefix,
  });

  let draining = false;
  const app = createWorkerHttp({
    queues: jobs.queues,
    healthChecks: { database: () => db.$queryRaw`SELECT 1`, redis: () => redis.ping() },
    isDraining: () => draining,
  });
  const server = app.listen(config.worker.port);
  await once(server, 'listening');

  const workers = await startWorkers({
    connection,
    prefix,
    queues: jobs.queues,
    processors: createProcessors({
      ctx,
      storage: createStorage(config.storage),
      logger,
      orphanGraceMs: config.worker.orphanGraceMs,
      webhooks: {
        settings: config.webhooks,
        // Only read here (who is online); the TTL matters to the gateways that write presence.
        presence: createPresence(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: 30_000 }),
      },
    }),
    logger,
    concurrency: config.worker.concurrency,
    reconcileIntervalMs: config.worker.reconcileIntervalMs,
    orphanSweepIntervalMs: config.worker.orphanSweepIntervalMs,
  });
  logger.info(
    {
      port: (server.address() as AddressInfo).port,
      concurrency: config.worker.concurrency,
      reconcileIntervalMs: config.worker.reconcileIntervalMs,
      webhooks: config.webhooks.enabled ? new URL(config.webhooks.url).origin : 'off',
    },
    'worker started',
  );

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal }, 'draining: finishing active jobs');
    await workers.close().catch((error: unknown) => {
      logger.error({ err: error }, 'workers did not close cleanly');
    });
    server.close();
    server.closeAllConnections();
    await Promise.allSettled([jobs.close(), sockets.close(), db.$disconnect(), redis.quit()]);
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

runService('worker', main);
