import { randomBytes } from 'node:crypto';
import type { RedisConfig } from '@kelisim/config';

/** The local Redis, with a key prefix of the test's own so tests never see each other's keys. */
export function testRedisConfig(): RedisConfig {
  return {
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    db: 0,
    keyPrefix: `kelisim_test:${randomBytes(4).toString('hex')}:`,
  };
}
