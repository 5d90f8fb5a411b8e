import express from 'express';
import { createServer, type Server as HttpServer } from 'node:http';
import { createApp, demoOptions } from '@kelisim/api';
import { createDb } from '@kelisim/db';
import { bullConnection, bullPrefix, createJobQueues } from '@kelisim/jobs';
import type { Logger } from '@kelisim/logger';
import {
  instrumentedPublisher,
  createMetrics,
  registerQueueGauge,
  registerSocketGauge,
  startMetricsServer,
  watchConnectionErrors,
} from '@kelisim/ops';
import { createGateway } from '@kelisim/realtime';
import {
  createDomainContext,
  createLaravelAuthenticator,
  createPresence,
  createRedis,
  createSocketAdapter,
} from '@kelisim/redis';
import { createStorage } from '@kelisim/storage';
import { createProcessors, startWorkers } from '@kelisim/worker';
import type { ServerConfig } from './config.js';
import { storageOrigins, webClient } from './web-client.js';

export interface AllInOne {
  httpServer: HttpServer;
  /** Not ready, sockets moved elsewhere, active jobs finished, connections closed. */
  stop(): Promise<void>;
}

/**
 * One process with every role: REST under /api, socket.io under /socket.io, the worker, and the
 * web client at /. Several of them on the same MySQL and Redis form a cluster.
 */
export async function startAllInOne(config: ServerConfig, logger: Logger): Promise<AllInOne> {
  const db = createDb(config.database);
  const metrics = createMetrics({ service: 'server' });
  const redis = createRedis(config.redis);
  watchConnectionErrors(redis, 'redis', metrics, logger);
  const socketAdapter = createSocketAdapter(config.redis, config.chat, logger);
  const connection = bullConnection(config.redis);
  const prefix = bullPrefix(config.redis);
  const jobs = createJobQueues(connection, prefix, logger, { webhooks: config.webhooks });
  const storage = createStorage(config.storage);
  const auth = createLaravelAuthenticator(config, db, logger);
  const { verifyToken, credentials } = auth;
  const healthChecks = { database: () => db.$queryRaw`SELECT 1`, redis: () => redis.ping() };

  const web = express();
  web.disable('x-powered-by');
  const httpServer = createServer(web);
  const presence = createPresence(redis, {
    keyPrefix: config.redis.keyPrefix,
    ttlMs: config.realtime.presenceTtlMs,
  });
  const gateway = createGateway({
    httpServer,
    db,
    redis,
    adapter: socketAdapter.adapter,
    presence,
    verifyToken,
    credentials,
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
  registerQueueGauge(metrics, jobs.queues);
  const api = createApp({
    metrics,
    metricsToken: config.metrics.token,
    logger,
    verifyToken,
    corsOrigins: config.chat.corsOrigins,
    demo: demoOptions(config.jwt, config.demo),
    isDraining: () => gateway.isDraining(),
    healthChecks,
    domain: gateway.ctx,
    files: {
      storage,
      maxFileSize: config.storage.maxFileSize,
      uploadQuotaBytes: config.storage.uploadQuotaBytes,
      downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
    },
  });
  if (config.server.webRoot) {
    web.use(webClient(config.server.webRoot, { connectSources: storageOrigins(config.storage) }));
  } else {
    web.get('/', (_req, res) => {
      res.type('html').send(landingPage);
    });
  }
  web.use(api);

  await gateway.ready(); // Laravel broadcasts are subscribed before the node serves anyone
  const workers = await startWorkers({
    connection,
    prefix,
    queues: jobs.queues,
    processors: createProcessors({
      ctx: gateway.ctx,
      storage,
      logger,
      webhooks: { settings: config.webhooks, presence },
      orphanGraceMs: config.worker.orphanGraceMs,
    }),
    logger,
    concurrency: config.worker.concurrency,
    reconcileIntervalMs: config.worker.reconcileIntervalMs,
    orphanSweepIntervalMs: config.worker.orphanSweepIntervalMs,
  });
  const metricsServer = await startMetricsServer(metrics, config.metrics, logger);

  return {
    httpServer,
    async stop() {
      await gateway.drain({ delayMs: config.chat.drainDelayMs });
      await workers.close();
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
    },
  };
}

/** Shown at / until a web client build is present (CHAT_WEB_ROOT, or apps/web/dist). */
const landingPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kelisim Chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Kelisim Chat is running</h1>
<ul>
<li>REST API: <code>/api</code> (<a href="/api/openapi.json">OpenAPI document</a>)</li>
<li>socket.io: <code>/socket.io</code></li>
<li>Health: <a href="/health/ready">/health/ready</a></li>
</ul>
</body></html>`;
