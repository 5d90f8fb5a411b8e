import type { RedisClient } from './connection.js';
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
export function createRedisRateLimiter(redis: RedisClient, options: RateLimitOptions): RateLimiter {
  const insurance = new RateLimiterMemory({
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.windowSeconds,
  });
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.windowSeconds,
    insuranceLimiter: insurance,
  });
  return {
    async consume(key: string, points = 1): Promise<RateLimitResult> {
      try {
        // A lost connection would hold the command in ioredis's offline queue for seconds.
        await (redis.status === 'reconnecting' ? insurance : limiter).consume(key, points);
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
