import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import {
  StartupError,
  redisAddress,
  redisAddressSettings,
  redisClusterOptions,
  redisConnectionOptions,
  type RedisConfig,
} from '@kelisim/config';
import { startDependenciesHint } from '@kelisim/db';

/** One Redis server (or Sentinel-managed master), or a Redis Cluster: the service's Redis client. */
export type RedisClient = Redis | Cluster;

const reconnectDelayMs = (attempt: number) => Math.min(100 * 2 ** attempt, 2_000);

/**
 * Answers once Redis serves, for readiness. On a Cluster, once any master answers: while one
 * shard fails over, commands for its slots wait for the promotion and the other shards serve, so
 * a node stays in the load balancer; it is not ready only while no master answers.
 */
export function pingRedis(redis: RedisClient): Promise<unknown> {
  if (!(redis instanceof Cluster)) return redis.ping();
  return Promise.any(redis.nodes('master').map((master) => master.ping()));
}

/**
 * For the connections many requests share (rate limits, presence, publishes): commands issued in
 * the same tick leave in one write and one round trip, as the database's group commit does. One
 * server or Sentinel only: `createRedis` never passes it to a Cluster client, where ioredis
 * handles a MOVED reply (a failover) for the whole auto-pipeline rather than per command
 * (redis/ioredis#2075).
 */
export const autoPipelining = { enableAutoPipelining: true } as const;

/**
 * A Redis connection that reconnects forever with capped backoff, so a Redis restart (or, with
 * sentinels, a failover to another master; on a Cluster, a replica's promotion) is survived.
 * Commands issued while disconnected fail after a few retries instead of queueing without bound.
 * On a Cluster, `options` apply to every node connection (auto-pipelining aside) and
 * `clusterOptions` to the cluster.
 */
export function createRedis(
  config: RedisConfig,
  options: RedisOptions = {},
  clusterOptions: ClusterOptions = {},
): RedisClient {
  const cluster = redisClusterOptions(config);
  if (!cluster) {
    return new Redis({
      ...redisConnectionOptions(config),
      maxRetriesPerRequest: 3,
      retryStrategy: reconnectDelayMs,
      ...options,
    });
  }
  // Auto-pipelining stays off on a Cluster (see `autoPipelining`).
  const {
    lazyConnect,
    enableOfflineQueue,
    retryStrategy,
    enableAutoPipelining: _autoPipelining,
    ...nodeOptions
  } = options;
  return new Cluster(cluster.nodes, {
    redisOptions: { ...cluster.redisOptions, maxRetriesPerRequest: 3, ...nodeOptions },
    clusterRetryStrategy:
      retryStrategy === undefined ? reconnectDelayMs : (retryStrategy ?? undefined),
    lazyConnect,
    enableOfflineQueue,
    ...clusterOptions,
  });
}

/**
 * One connection attempt, without the services' reconnect-forever policy: the connected client,
 * or the reason it could not connect (ioredis alone would only say "Connection is closed").
 */
export async function connectOnce(
  config: RedisConfig,
  connectTimeoutMs: number,
): Promise<RedisClient> {
  const redis = createRedis(
    config,
    {
      lazyConnect: true,
      connectTimeout: connectTimeoutMs,
      sentinelRetryStrategy: () => null,
      failoverDetector: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    },
    { slotsRefreshTimeout: connectTimeoutMs },
  );
  let cause: unknown;
  redis.on('error', (error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw cause ?? error;
  }
}

/**
 * Connects once to the configured Redis, so a node that cannot reach it stops at start with one
 * sentence (a StartupError) naming the address, the settings and the fix.
 */
export async function assertRedisReachable(config: RedisConfig): Promise<void> {
  try {
    (await connectOnce(config, 10_000)).disconnect();
  } catch (error) {
    throw redisStartupError(error, config);
  }
}

/** ioredis's words for a Cluster none of whose seed nodes answers as a cluster node. */
export function noClusterAnswers(message: string): boolean {
  return /None of startup nodes is available|Failed to refresh slots cache/.test(message);
}

function redisStartupError(error: unknown, config: RedisConfig): Error {
  const address = redisAddress(config);
  const addressSettings = redisAddressSettings(config);
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  let sentence: string | undefined;
  if (config.cluster && noClusterAnswers(message)) {
    sentence = `No node of the ${address} answers as a cluster (${addressSettings}): start it, or point REDIS_CLUSTER_NODES at its nodes (host:port,host:port,…).`;
  } else if (config.sentinel && /sentinels are unreachable/.test(message)) {
    sentence = `No sentinel answers for the ${address} (${addressSettings}): start them, or point REDIS_SENTINELS at the sentinels that monitor your master.`;
  } else if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    sentence = `Cannot reach Redis at ${address} (${addressSettings}): start it, e.g. ${startDependenciesHint}, or point those settings at your server.`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    sentence = `Cannot resolve the Redis host of ${address} (${addressSettings}): fix the host name, or start a local server, e.g. ${startDependenciesHint}.`;
  } else if (code === 'ETIMEDOUT' || /connect ETIMEDOUT/.test(message)) {
    sentence = `Timed out connecting to Redis at ${address} (${addressSettings}): check that the server runs there and no firewall is in between.`;
  } else if (/NOAUTH|WRONGPASS|invalid password|AUTH/.test(message)) {
    sentence = `Redis at ${address} refused the credentials (REDIS_USERNAME/REDIS_PASSWORD or REDIS_URL): ${message.replace(/\.$/, '')}.`;
  }
  return sentence ? new StartupError(sentence, { cause: error }) : (error as Error);
}
