export { createRedis } from './connection.js';
export { audienceRooms, createEmitterPublisher } from './emitter-publisher.js';
export { createRedisRateLimiter, type RateLimitOptions } from './rate-limiter.js';
