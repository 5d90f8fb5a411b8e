import type { RedisClient } from './connection.js';
import type { ChatConfig } from '@kelisim/config';
import { TYPING_REPEAT_WINDOW_MS } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import type { DomainContext, EventPublisher, FileLinks, JobQueue } from '@kelisim/domain';
import { createRedisRateLimiter } from './rate-limiter.js';

/** The domain's dependencies as every process composes them. */
export function createDomainContext(deps: {
  db: Db;
  redis: RedisClient;
  events: EventPublisher;
  jobs: JobQueue;
  chat: Pick<
    ChatConfig,
    | 'messageMaxLength'
    | 'sendRateLimit'
    | 'groupMaxMembers'
    | 'createRateLimit'
    | 'participantAddRateLimit'
    | 'deleteRateLimit'
    | 'searchRateLimit'
  > &
    Partial<Pick<ChatConfig, 'groupCommit' | 'editWindowSeconds'>>;
  keyPrefix: string;
  /** Signs file resources' `url` and `thumbnail_url`; without it both are null. */
  fileLinks?: FileLinks | undefined;
}): DomainContext {
  return {
    db: deps.db,
    fileLinks: deps.fileLinks,
    groupCommit: deps.chat.groupCommit,
    events: deps.events,
    jobs: deps.jobs,
    sendRateLimiter: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:send`,
      ...deps.chat.sendRateLimit,
    }),
    typingRateLimiter: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:typing`,
      points: 1,
      windowSeconds: TYPING_REPEAT_WINDOW_MS / 1000,
    }),
    chatCreateRateLimiter: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:chat-create`,
      ...deps.chat.createRateLimit,
    }),
    participantAddRateLimiter: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:participant-add`,
      ...deps.chat.participantAddRateLimit,
    }),
    messageDeleteRateLimiter: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:message-delete`,
      ...deps.chat.deleteRateLimit,
    }),
    searchRateLimiter: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:search`,
      ...deps.chat.searchRateLimit,
    }),
    limits: {
      messageMaxLength: deps.chat.messageMaxLength,
      editWindowSeconds: deps.chat.editWindowSeconds,
      groupMaxMembers: deps.chat.groupMaxMembers,
    },
  };
}
