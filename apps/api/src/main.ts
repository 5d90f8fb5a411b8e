import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { loadDotEnv } from '@kelisim/config';
import { assertDatabaseReachable, createDb } from '@kelisim/db';
import { bullConnection, bullPrefix, createJobQueues } from '@kelisim/jobs';
import { createLogger } from '@kelisim/logger';
import {
  instrumentedPublisher,
  createMetrics,
  registerQueueGauge,
  runService,
  startMetricsServer,
  watchConnectionErrors,
} from '@kelisim/ops';
import { createStorage } from '@kelisim/storage';
import {
  assertRedisReachable,
  createDomainContext,
  createLaravelAuthenticator,
  createRedis,
  createSocketPublisher,
} from '@kelisim/redis';
import { createApp } from './app.js';
import { loadApiConfig } from './config.js';
import { demoOptions } from './routes/users.js';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadApiConfig(process.env);
  const logger = createLogger(config.log, { service: 'api', nodeId: config.chat.nodeId });
  await Promise.all([assertDatabaseReachable(config.database), assertRedisReachable(config.redis)]);
  const db = createDb(config.database);
  const redis = createRedis(config.redis);
  const metrics = createMetrics({ service: 'api' });
  watchConnectionErrors(redis, 'redis', metrics, logger);
  const sockets = createSocketPublisher(redis, config.redis, config.chat, logger);
  const jobs = createJobQueues(bullConnection(config.redis), bullPrefix(config.redis), logger, {
    webhooks: config.webhooks,
  });
  const auth = createLaravelAuthenticator(config, db, logger);

  let draining = false;
  registerQueueGauge(metrics, jobs.queues);
  const app = createApp({
    metrics,
    metricsToken: config.metrics.token,
    logger,
    verifyToken: auth.verifyToken,
    corsOrigins: config.chat.corsOrigins,
    demo: demoOptions(config.jwt, config.demo),
    isDraining: () => draining,
    files: {
      storage: createStorage(config.storage),
      maxFileSize: config.storage.maxFileSize,
      uploadQuotaBytes: config.storage.uploadQuotaBytes,
      downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
    },
    healthChecks: { database: () => db.$queryRaw`SELECT 1`, redis: () => redis.ping() },
    domain: createDomainContext({
      db,
      redis,
      events: instrumentedPublisher(sockets.publisher, metrics),
      jobs,
      chat: config.chat,
      keyPrefix: config.redis.keyPrefix,
    }),
  });

  const metricsServer = await startMetricsServer(metrics, config.metrics, logger);
  const server = app.listen(config.api.port);
  await once(server, 'listening');
  logger.info({ port: (server.address() as AddressInfo).port }, 'api listening');
  if (config.demo.enabled) logger.warn('demo mode: /api/demo hands out tokens for any user');

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal, delayMs: config.chat.drainDelayMs }, 'draining');
    // Not ready, but still serving, until a load balancer polling readiness has moved away.
    await new Promise((resolve) => setTimeout(resolve, config.chat.drainDelayMs));
    server.close();
    server.closeIdleConnections();
    const forced = setTimeout(() => server.closeAllConnections(), 10_000).unref();
    await once(server, 'close');
    clearTimeout(forced);
    await Promise.allSettled([
      metricsServer.close(),
      sockets.close(),
      jobs.close(),
      db.$disconnect(),
      redis.quit(),
      auth.close(),
    ]);
    logger.info('stopped');
    // Lingering timers (socket.io's polling timeouts, pools) must not keep a stopped node alive.
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

runService('api', main);
