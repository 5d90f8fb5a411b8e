import express from 'express';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDotEnv } from '@kelisim/config';
import { assertDatabaseReachable, createDb } from '@kelisim/db';
import { bullConnection, bullPrefix, createJobQueues } from '@kelisim/jobs';
import { createLogger } from '@kelisim/logger';
import {
  instrumentedPublisher,
  healthRoutes,
  createMetrics,
  httpMetrics,
  publicMetricsRoute,
  registerSocketGauge,
  runService,
  startMetricsServer,
  watchConnectionErrors,
} from '@kelisim/ops';
import {
  assertRedisReachable,
  createDomainContext,
  createLaravelAuthenticator,
  createPresence,
  createRedis,
  createSocketAdapter,
} from '@kelisim/redis';
import { loadRealtimeConfig } from './config.js';
import { createGateway } from './gateway.js';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadRealtimeConfig(process.env);
  const logger = createLogger(config.log, { service: 'realtime', nodeId: config.chat.nodeId });
  await Promise.all([assertDatabaseReachable(config.database), assertRedisReachable(config.redis)]);
  const db = createDb(config.database);
  const redis = createRedis(config.redis);
  const metrics = createMetrics({ service: 'realtime' });
  watchConnectionErrors(redis, 'redis', metrics, logger);
  const socketAdapter = createSocketAdapter(config.redis, config.chat, logger);
  const jobs = createJobQueues(bullConnection(config.redis), bullPrefix(config.redis), logger, {
    webhooks: config.webhooks,
  });
  const auth = createLaravelAuthenticator(config, db, logger);

  const app = express();
  const httpServer = createServer(app);
  const gateway = createGateway({
    httpServer,
    db,
    redis,
    adapter: socketAdapter.adapter,
    presence: createPresence(redis, {
      keyPrefix: config.redis.keyPrefix,
      ttlMs: config.realtime.presenceTtlMs,
    }),
    verifyToken: auth.verifyToken,
    credentials: auth.credentials,
    domain: (events) =>
      createDomainContext({
        db,
        redis,
        events: instrumentedPublisher(events, metrics),
        jobs,
        chat: config.chat,
        keyPrefix: config.redis.keyPrefix,
      }),
    logger,
    settings: config.realtime,
    corsOrigins: config.chat.socketOrigins,
    keyPrefix: config.redis.keyPrefix,
  });
  registerSocketGauge(metrics, () => gateway.io.of('/').sockets.size);
  app.use(httpMetrics(metrics));
  app.get('/metrics', publicMetricsRoute(metrics, config.metrics.token));
  app.use(
    healthRoutes({ database: () => db.$queryRaw`SELECT 1`, redis: () => redis.ping() }, () =>
      gateway.isDraining(),
    ),
  );

  await gateway.ready();
  const metricsServer = await startMetricsServer(metrics, config.metrics, logger);
  httpServer.listen(config.realtime.port);
  await once(httpServer, 'listening');
  logger.info({ port: (httpServer.address() as AddressInfo).port }, 'realtime listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    const forced = setTimeout(
      () => {
        logger.error('shutdown timed out');
        process.exit(1);
      },
      config.chat.drainDelayMs + config.realtime.shutdownTimeoutMs + 5_000,
    ).unref();
    await gateway.drain({ delayMs: config.chat.drainDelayMs });
    // Stalled long-polling clients keep keep-alive connections open, which would hold
    // httpServer.close() (inside io.close()) until the forced exit.
    httpServer.close();
    httpServer.closeAllConnections();
    await gateway.close();
    await Promise.allSettled([
      metricsServer.close(),
      socketAdapter.close(),
      jobs.close(),
      db.$disconnect(),
      redis.quit(),
      auth.close(),
    ]);
    clearTimeout(forced);
    logger.info('stopped');
    // Lingering timers (socket.io's polling timeouts, pools) must not keep a stopped node alive.
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

runService('realtime', main);
