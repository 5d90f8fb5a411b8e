import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '@kelisim/domain';
import { createMemoryRateLimiter, testRedisConfig } from '@kelisim/testing';
import { createRedis, type RedisClient } from './connection.js';
import { createRedisRateLimiter } from './rate-limiter.js';

const config = testRedisConfig();
let redis: RedisClient;
beforeAll(() => {
  redis = createRedis(config);
});
afterAll(async () => {
  const keys = await redis.keys(`${config.keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

let counter = 0;
const implementations: [string, (points: number, windowSeconds: number) => RateLimiter][] = [
  ['in-memory', (points, windowSeconds) => createMemoryRateLimiter(points, windowSeconds)],
  [
    'Redis',
    (points, windowSeconds) =>
      createRedisRateLimiter(redis, {
        keyPrefix: `${config.keyPrefix}rl${++counter}`,
        points,
        windowSeconds,
      }),
  ],
];

describe.each(implementations)('RateLimiter contract: %s', (_name, make) => {
  it('allows `points` actions per window, then refuses with a retry delay within the window', async () => {
    const limiter = make(3, 30);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.consume('user:1'));
    expect(results.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    for (const refused of results.slice(3)) {
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) {
        expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
      }
    }
  });

  it('counts several points at once', async () => {
    const limiter = make(5, 30);
    expect(await limiter.consume('k', 3)).toEqual({ allowed: true });
    expect((await limiter.consume('k', 3)).allowed).toBe(false);
    expect(await limiter.consume('other', 5)).toEqual({ allowed: true });
  });

  it('counts keys separately', async () => {
    const limiter = make(1, 30);
    expect(await limiter.consume('a')).toEqual({ allowed: true });
    expect(await limiter.consume('b')).toEqual({ allowed: true });
    expect((await limiter.consume('a')).allowed).toBe(false);
  });

  it('allows again once the window has passed', async () => {
    const limiter = make(1, 1);
    await limiter.consume('k');
    expect((await limiter.consume('k')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await limiter.consume('k')).toEqual({ allowed: true });
  });
});

describe('Redis rate limiter', () => {
  it('is shared by every node: two limiters on the same prefix share one budget', async () => {
    const prefix = `${config.keyPrefix}shared`;
    const other = createRedis(config);
    try {
      const nodeA = createRedisRateLimiter(redis, {
        keyPrefix: prefix,
        points: 2,
        windowSeconds: 30,
      });
      const nodeB = createRedisRateLimiter(other, {
        keyPrefix: prefix,
        points: 2,
        windowSeconds: 30,
      });
      expect(await nodeA.consume('u')).toEqual({ allowed: true });
      expect(await nodeB.consume('u')).toEqual({ allowed: true });
      expect((await nodeA.consume('u')).allowed).toBe(false);
      expect((await nodeB.consume('u')).allowed).toBe(false);
    } finally {
      await other.quit();
    }
  });

  it('keeps limiting per node while Redis is unreachable instead of failing', async () => {
    const unreachable = createRedis(
      { ...config, port: 1 },
      { maxRetriesPerRequest: 0, retryStrategy: () => null },
    );
    unreachable.on('error', () => {});
    try {
      const limiter = createRedisRateLimiter(unreachable, {
        keyPrefix: `${config.keyPrefix}down`,
        points: 1,
        windowSeconds: 30,
      });
      expect(await limiter.consume('u')).toEqual({ allowed: true });
      expect((await limiter.consume('u')).allowed).toBe(false);
    } finally {
      unreachable.disconnect();
    }
  });
});
