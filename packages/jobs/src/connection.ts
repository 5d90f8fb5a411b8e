import type { ConnectionOptions } from 'bullmq';
import type { RedisConfig } from '@kelisim/config';

/** BullMQ's Redis connection settings; its blocking commands need unlimited retries. */
export function bullConnection(config: RedisConfig): ConnectionOptions {
  const common = { maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
  if (config.url) {
    const url = new URL(config.url);
    return {
      ...common,
      host: url.hostname,
      port: url.port ? Number(url.port) : 6379,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : config.password,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : config.db,
      tls: url.protocol === 'rediss:' ? {} : undefined,
    };
  }
  return {
    ...common,
    host: config.host,
    port: config.port,
    username: config.username,
    password: config.password,
    db: config.db,
  };
}

/** BullMQ keys live under the service's own Redis namespace. */
export function bullPrefix(config: RedisConfig): string {
  return `${config.keyPrefix}bull`;
}
