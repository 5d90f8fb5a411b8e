import type { ConnectionOptions } from 'bullmq';
import { redisConnectionOptions, type RedisConfig } from '@kelisim/config';

/** BullMQ's Redis connection settings; its blocking commands need unlimited retries. */
export function bullConnection(config: RedisConfig): ConnectionOptions {
  return {
    ...redisConnectionOptions(config),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  };
}

/** BullMQ keys live under the service's own Redis namespace. */
export function bullPrefix(config: RedisConfig): string {
  return `${config.keyPrefix}bull`;
}
