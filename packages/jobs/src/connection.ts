import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import { redisClusterOptions, redisConnectionOptions, type RedisConfig } from '@kelisim/config';

/**
 * BullMQ's Redis connection: settings for one server (or Sentinel-managed master), or on a Redis
 * Cluster a Cluster client that the queues share and BullMQ duplicates for its blocking commands
 * (close it with `closeBullConnection` once every queue and worker using it is closed). Its
 * blocking commands need unlimited retries.
 */
export function bullConnection(config: RedisConfig): ConnectionOptions {
  const cluster = redisClusterOptions(config);
  if (!cluster) {
    return {
      ...redisConnectionOptions(config),
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
    };
  }
  return new Cluster(cluster.nodes, {
    redisOptions: { ...cluster.redisOptions, maxRetriesPerRequest: null },
    enableOfflineQueue: true,
    // While a master is down and before its replica is promoted (cluster-node-timeout, 15 s by
    // default, plus the election), commands for its slots are retried for up to ~30 s instead of
    // failing after ioredis's default 1.6 s: queued jobs are not dropped, workers do not stall.
    retryDelayOnFailover: 500,
    maxRedirections: 60,
  });
}

export async function closeBullConnection(connection: ConnectionOptions): Promise<void> {
  if (connection instanceof Cluster) await connection.quit().catch(() => connection.disconnect());
}

/**
 * BullMQ keys live under the service's own Redis namespace. On a Cluster the prefix is a hash tag,
 * so each queue's keys share one slot, as BullMQ's Lua scripts require.
 */
export function bullPrefix(config: RedisConfig): string {
  return config.cluster ? `{${config.keyPrefix}bull}` : `${config.keyPrefix}bull`;
}
