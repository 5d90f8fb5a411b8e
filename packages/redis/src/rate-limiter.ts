import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimitResult } from '@kelisim/domain';

export interface RateLimitOptions {
  /** Namespace of the counters in Redis. */
  keyPrefix: string;
  /** Actions allowed per window. */
  points: number;
  windowSeconds: number;
}

/**
 * A fixed-window limiter shared by every node through Redis. While Redis is unreachable it falls
 * back to a per-node in-memory limiter rather than refusing or waving everything through.
 */
export function createRedisRateLimiter(redis: Redis, options: RateLimitOptions): RateLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.windowSeconds,
    insuranceLimiter: new RateLimiterMemory({
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.windowSeconds,
    }),
  });
  return {
    async consume(key: string): Promise<RateLimitResult> {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        };
      }
    },
  };
}
