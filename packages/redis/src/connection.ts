import { Redis, type RedisOptions } from 'ioredis';
import { StartupError, type RedisConfig } from '@kelisim/config';
import { startDependenciesHint } from '@kelisim/db';

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

/**
 * One connection attempt, without the services' reconnect-forever policy: the connected client,
 * or the reason it could not connect (ioredis alone would only say "Connection is closed").
 */
export async function connectOnce(config: RedisConfig, connectTimeoutMs: number): Promise<Redis> {
  const redis = createRedis(config, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
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

function redisStartupError(error: unknown, config: RedisConfig): Error {
  const address = config.url ? redisUrlAddress(config.url) : `${config.host}:${config.port}`;
  const addressSettings = config.url ? 'REDIS_URL' : 'REDIS_HOST/REDIS_PORT or REDIS_URL';
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  let sentence: string | undefined;
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
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

function redisUrlAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return 'REDIS_URL';
  }
}
