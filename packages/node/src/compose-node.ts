import type { Server as HttpServer } from 'node:http';
import type { ConnectionOptions } from 'bullmq';
import type { Authenticate, CredentialCheck } from '@kelisim/auth';
import {
  chatEnv,
  databaseEnv,
  fileLinksEnv,
  logEnv,
  redisEnv,
  type ChatConfig,
  type DatabaseConfig,
  type FileLinksConfig,
  type JwtConfig,
  type MetricsConfig,
  type PresenceConfig,
  type RedisConfig,
} from '@kelisim/config';
import { createDb, type Db } from '@kelisim/db';
import type { DomainContext, EventPublisher, JobQueue } from '@kelisim/domain';
import {
  bullConnection,
  closeBullConnection,
  bullPrefix,
  createJobQueues,
  webhookEnv,
  type JobQueues,
  type WebhookSettings,
} from '@kelisim/jobs';
import type { Logger } from '@kelisim/logger';
import {
  createMetrics,
  instrumentedPublisher,
  startMetricsServer,
  watchConnectionErrors,
  type HealthCheck,
  type Metrics,
} from '@kelisim/ops';
import {
  createDomainContext,
  createLaravelAuthenticator,
  createPresence,
  createRedis,
  createSocketAdapter,
  createSocketPublisher,
  autoPipelining,
  pingRedis,
  type Presence,
  type SocketAdapter,
  type RedisClient,
} from '@kelisim/redis';
import { createFileLinks, type SignedFileLinks } from '@kelisim/storage/file-links';

/** The settings every role reads; each app's loader adds its own sections to these. */
export const nodeEnvSections = {
  chat: chatEnv,
  database: databaseEnv,
  redis: redisEnv,
  log: logEnv,
  webhooks: webhookEnv,
  fileLinks: fileLinksEnv,
};

export interface NodeConfig {
  chat: ChatConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  webhooks: WebhookSettings;
  /** Roles that serve clients check tokens; the worker has none. */
  jwt?: JwtConfig;
  /** Roles that read or write presence. */
  presence?: PresenceConfig;
  metrics?: MetricsConfig;
  /** Signed file links; undefined when there is no key to sign with (files carry none). */
  fileLinks?: FileLinksConfig | undefined;
}

/**
 * How the node pushes to sockets: `adapter` for a node with a socket.io server (its own
 * publisher joins the cluster through the adapter), `publisher` for one without sockets.
 */
export type SocketRole = 'adapter' | 'publisher';

/** What a node's roles are built from: one of each shared resource, one domain. */
export interface ChatNode {
  logger: Logger;
  db: Db;
  redis: RedisClient;
  metrics: Metrics;
  jobs: JobQueues;
  /** Where BullMQ keeps the queues (workers connect there too). */
  bull: { connection: ConnectionOptions; prefix: string };
  keyPrefix: string;
  healthChecks: Record<string, HealthCheck>;
  /** The socket.io Redis adapter, on nodes composed with `sockets: 'adapter'`. */
  adapter?: SocketAdapter['adapter'];
  /** Token checks, on nodes whose config has `jwt`. */
  auth?: { verifyToken: Authenticate; credentials: CredentialCheck };
  /** Presence, on nodes whose config has `presence`. */
  presence?: Presence;
  presenceTtlMs?: number;
  /** Signs (and checks) file links, where the config has a key; every domain it builds signs. */
  fileLinks?: SignedFileLinks;
  /**
   * The domain as every use case on this node sees it: pushes through `events` (the gateway's
   * own publisher) or, without it, through the node's socket publisher; counted in metrics.
   */
  domain(events?: EventPublisher): DomainContext;
  /** Starts the metrics listener (METRICS_PORT), where the config has one. */
  startMetrics(): Promise<void>;
  /** True once the node started shutting down: readiness answers 503. */
  isDraining: () => boolean;
  startDraining: () => void;
  /** Closes every shared resource; roles stop first. */
  close(): Promise<void>;
}

export interface ComposeOverrides {
  /** Tests: a database of their own (e.g. behind a cuttable proxy). */
  db?: Db;
  /** Tests: a recording queue instead of BullMQ. */
  jobs?: JobQueue;
  /** Tests: token checks over their own cache. */
  auth?: ChatNode['auth'];
}

export function composeNode(
  config: NodeConfig,
  options: { service: string; sockets: SocketRole; logger: Logger } & ComposeOverrides,
): ChatNode {
  const { logger } = options;
  const db = options.db ?? createDb(config.database);
  const redis = createRedis(config.redis, autoPipelining);
  const metrics = createMetrics({ service: options.service });
  watchConnectionErrors(redis, 'redis', metrics, logger);
  const bull = { connection: bullConnection(config.redis), prefix: bullPrefix(config.redis) };
  const jobQueues = createJobQueues(bull.connection, bull.prefix, logger, {
    redis,
    webhooks: config.webhooks,
  });
  const socketAdapter =
    options.sockets === 'adapter'
      ? createSocketAdapter(config.redis, config.chat, logger)
      : undefined;
  const socketPublisher =
    options.sockets === 'publisher'
      ? createSocketPublisher(redis, config.redis, config.chat, logger)
      : undefined;
  const laravelAuth =
    !options.auth && config.jwt
      ? createLaravelAuthenticator({ jwt: config.jwt, redis: config.redis }, db, logger)
      : undefined;
  const keyPrefix = config.redis.keyPrefix;
  const presenceTtlMs = config.presence?.ttlMs;
  const fileLinks = config.fileLinks && createFileLinks(config.fileLinks);
  if ('fileLinks' in config && !fileLinks) {
    logger.warn('file links off: set CHAT_URL_SIGNING_KEY (or JWT_SECRET) to sign them');
  }
  let metricsServer: { close(): Promise<void> } | undefined;
  let draining = false;

  return {
    logger,
    db,
    redis,
    metrics,
    jobs: jobQueues,
    bull,
    keyPrefix,
    healthChecks: { database: () => db.$queryRaw`SELECT 1`, redis: () => pingRedis(redis) },
    adapter: socketAdapter?.adapter,
    auth: options.auth ?? laravelAuth,
    presence:
      presenceTtlMs === undefined
        ? undefined
        : createPresence(redis, { keyPrefix, ttlMs: presenceTtlMs }),
    presenceTtlMs,
    fileLinks,
    domain(events) {
      const publisher = events ?? socketPublisher?.publisher;
      if (!publisher)
        throw new Error('A node with a socket.io server pushes through its own publisher.');
      return createDomainContext({
        db,
        redis,
        events: instrumentedPublisher(publisher, metrics),
        jobs: options.jobs ?? jobQueues,
        chat: config.chat,
        keyPrefix,
        fileLinks,
      });
    },
    async startMetrics() {
      if (config.metrics) metricsServer = await startMetricsServer(metrics, config.metrics, logger);
    },
    isDraining: () => draining,
    startDraining: () => {
      draining = true;
    },
    async close() {
      await Promise.allSettled([
        metricsServer?.close(),
        socketAdapter?.close(),
        socketPublisher?.close(),
        jobQueues.close(),
        options.db ? undefined : db.$disconnect(),
        redis.quit(),
        laravelAuth?.close(),
      ]);
      await closeBullConnection(bull.connection);
    },
  };
}

/**
 * Stops accepting requests. In-flight ones get `graceMs` before their connections are cut; with
 * no grace (socket roles, whose clients moved away in the drain) they are cut at once, since
 * stalled long-polling clients would otherwise hold keep-alive connections open.
 */
export async function closeHttpServer(server: HttpServer, graceMs: number): Promise<void> {
  if (graceMs === 0) {
    server.close();
    server.closeAllConnections();
    return;
  }
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const forced = setTimeout(() => server.closeAllConnections(), graceMs).unref();
  await closed;
  clearTimeout(forced);
}
