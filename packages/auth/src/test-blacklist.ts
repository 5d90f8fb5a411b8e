import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import type { JwtBlacklistConfig } from '@kelisim/config';

/**
 * The local Redis with a key namespace of the test file's own (emptied and closed after the file),
 * and a jwt-auth blacklist whose Laravel prefix lies in that namespace. Call at the top level.
 */
export function blacklistTestRedis() {
  const redis = new Redis({
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
  });
  const namespace = `kelisim_test:${randomBytes(4).toString('hex')}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  const blacklist: JwtBlacklistConfig = {
    enabled: true,
    redisDb: 0,
    redisPrefix: `${namespace}laravel_database_`,
    cachePrefix: 'laravel_cache_',
    tagMode: 'entries',
  };
  return { redis, namespace, blacklist };
}
