export {
  createChannelPresence,
  type ChannelConnection,
  type ChannelLeave,
  type ChannelMember,
  type ChannelPresence,
  type ChannelPresenceOptions,
} from './channel-presence.js';
export {
  assertRedisReachable,
  autoPipelining,
  connectOnce,
  createRedis,
  noClusterAnswers,
  pingRedis,
  type RedisClient,
} from './connection.js';
export { createDomainContext } from './domain-context.js';
export { createLaravelAuthenticator } from './laravel-authenticator.js';
export { audienceRooms, chatEchoRooms, createEmitterPublisher } from './emitter-publisher.js';
export { createIoPublisher } from './io-publisher.js';
export {
  createPresence,
  type Presence,
  type PresenceChange,
  type PresenceConnection,
  type PresenceOptions,
} from './presence.js';
export { createRedisRateLimiter, type RateLimitOptions } from './rate-limiter.js';
export {
  createSocketAdapter,
  createSocketPublisher,
  type SocketAdapter,
} from './socket-adapter.js';
