import { afterEach, beforeEach } from 'vitest';
import type { RedisConfig } from '@kelisim/config';
import { deleteKeysUnder, useRedisTopology, type RedisTopology } from '@kelisim/testing';
import { createRedis, type RedisClient } from './connection.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Gives each test its own key prefix and gateway nodes on it (`open` over a Redis connection of
 * their own, as in production) on the topology; after the test its keys are deleted and the
 * connections closed.
 */
export function useTestNodes<Node>(
  open: (redis: RedisClient, options: { keyPrefix: string; ttlMs: number }) => Node,
  topology: RedisTopology = 'one Redis server',
) {
  const redisConfig = useRedisTopology(topology);
  let config: RedisConfig;
  let connections: RedisClient[];
  beforeEach(() => {
    config = redisConfig();
    connections = [];
  });
  afterEach(async () => {
    const [first] = connections;
    if (first) await deleteKeysUnder(first, config.keyPrefix);
    await Promise.all(connections.map((redis) => redis.quit()));
  });
  const startNode = (ttlMs = 30_000): Node => {
    const redis = createRedis(config);
    connections.push(redis);
    return open(redis, { keyPrefix: config.keyPrefix, ttlMs });
  };
  /** At least two nodes sharing one TTL. */
  const startNodes = (count: number, ttlMs?: number) =>
    Array.from({ length: count }, () => startNode(ttlMs)) as [Node, Node, ...Node[]];
  return { startNode, startNodes };
}

/** Sweeps every 50 ms for 2.5 TTLs while `heartbeat` runs every third of a TTL; what was swept. */
export async function sweepWhileRefreshing<T>(
  ttlMs: number,
  heartbeat: () => Promise<unknown>,
  sweep: () => Promise<T[]>,
): Promise<T[]> {
  const swept: T[] = [];
  const start = Date.now();
  let lastHeartbeat = start;
  while (Date.now() - start < ttlMs * 2.5) {
    if (Date.now() - lastHeartbeat >= ttlMs / 3) {
      lastHeartbeat = Date.now();
      await heartbeat();
    }
    swept.push(...(await sweep()));
    await sleep(50);
  }
  return swept;
}
