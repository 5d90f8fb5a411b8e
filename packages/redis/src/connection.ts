import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '@kelisim/config';

/**
 * A Redis connection that reconnects forever with capped backoff, so a Redis restart is survived.
 * Commands issued while disconnected fail after a few retries instead of queueing without bound.
 */
export function createRedis(config: RedisConfig, options: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    username: config.username,
    password: config.password,
    db: config.db,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
    ...options,
  };
  return config.url
    ? new Redis(config.url, common)
    : new Redis({ host: config.host, port: config.port, ...common });
}
