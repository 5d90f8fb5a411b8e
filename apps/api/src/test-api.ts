import type { Express } from 'express';
import supertest from 'supertest';
import { createAuthenticator, type CacheReader } from '@kelisim/auth';
import type { JwtConfig } from '@kelisim/config';
import { createSanctumTokenStore } from '@kelisim/db';
import type { DomainContext } from '@kelisim/domain';
import { silentLogger } from '@kelisim/logger';
import { createRedis, createRedisRateLimiter, type RedisClient } from '@kelisim/redis';
import {
  createTestDatabase,
  createUsers,
  RecordingJobQueue,
  RecordingPublisher,
  testJwtConfig,
  testRedisConfig,
  tokenFor,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';
import type { SignedFileLinks, Storage } from '@kelisim/storage';
import { expect } from 'vitest';
import { createApp } from './app.js';

/** The Authorization header of a token for `user`. */
export const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

export interface ApiHarness {
  database: TestDatabase;
  redis: RedisClient;
  publisher: RecordingPublisher;
  jobs: RecordingJobQueue;
  /** The domain context the app runs with, for calling use cases the worker would. */
  ctx: DomainContext;
  app: Express;
  http: ReturnType<typeof supertest>;
  /** `POST /api/chats` of a group `owner` creates with `members`. */
  postGroup(owner: TestUser, members?: TestUser[], name?: string): supertest.Test;
  /** A new group of `owner` and `members`: its id. */
  createGroup(owner: TestUser, members?: TestUser[], name?: string): Promise<number>;
  /** `POST /api/chats/:id/participants` by `actor`, adding `members`. */
  addParticipants(chatId: number, actor: TestUser, members: TestUser[]): supertest.Test;
  close(): Promise<void>;
}

/** The real app over a database of its own and the local Redis (rate limits under a test prefix). */
export async function createApiHarness(
  label: string,
  options: {
    sendsPerWindow?: number;
    messageMaxLength?: number;
    editWindowSeconds?: number;
    groupMaxMembers?: number;
    /** Chat creations, users added and message deletions per user per minute. */
    chatCreatesPerWindow?: number;
    participantAddsPerWindow?: number;
    deletesPerWindow?: number;
    searchesPerWindow?: number;
    storage?: Storage;
    maxFileSize?: number;
    uploadQuotaBytes?: number;
    /** Signs file resources' links and serves them (as `createNodeApp` does with the settings). */
    fileLinks?: SignedFileLinks;
    /** Token settings (blacklist, Sanctum); the blacklist reads `laravelCache`, else `redis`. */
    jwt?: JwtConfig;
    laravelCache?: CacheReader;
  } = {},
): Promise<ApiHarness> {
  const database = await createTestDatabase(label);
  const redisConfig = testRedisConfig();
  const redis = createRedis(redisConfig);
  const publisher = new RecordingPublisher();
  const jobs = new RecordingJobQueue();
  const limiter = (name: string, points = 10_000, windowSeconds = 60) =>
    createRedisRateLimiter(redis, {
      keyPrefix: `${redisConfig.keyPrefix}${name}`,
      points,
      windowSeconds,
    });
  const ctx: DomainContext = {
    db: database.db,
    events: publisher,
    jobs,
    sendRateLimiter: limiter('send', options.sendsPerWindow),
    typingRateLimiter: limiter('typing', 1, 2),
    chatCreateRateLimiter: limiter('chat-create', options.chatCreatesPerWindow),
    participantAddRateLimiter: limiter('participant-add', options.participantAddsPerWindow),
    messageDeleteRateLimiter: limiter('message-delete', options.deletesPerWindow),
    searchRateLimiter: limiter('search', options.searchesPerWindow),
    limits: {
      messageMaxLength: options.messageMaxLength ?? 10_000,
      groupMaxMembers: options.groupMaxMembers ?? 1_000,
      editWindowSeconds: options.editWindowSeconds,
    },
    fileLinks: options.fileLinks,
  };
  const app = createApp({
    files: options.storage && {
      storage: options.storage,
      maxFileSize: options.maxFileSize ?? 1_048_576,
      uploadQuotaBytes: options.uploadQuotaBytes,
      downloadUrlTtlSeconds: 60,
      links: options.fileLinks,
    },
    logger: silentLogger(),
    verifyToken: createAuthenticator(options.jwt ?? testJwtConfig, {
      laravelCache: options.laravelCache ?? redis,
      sanctumTokens: createSanctumTokenStore(database.db),
    }),
    healthChecks: { database: () => database.db.$queryRaw`SELECT 1`, redis: () => redis.ping() },
    domain: ctx,
  });
  const http = supertest(app);
  const postGroup = (owner: TestUser, members: TestUser[] = [], name?: string) =>
    http
      .post('/api/chats')
      .set(auth(owner))
      .send({ type: 'group', name, participant_ids: members.map((m) => m.id) });
  return {
    database,
    redis,
    publisher,
    jobs,
    ctx,
    app,
    http,
    postGroup,
    async createGroup(owner, members, name) {
      const res = await postGroup(owner, members, name);
      expect(res.status).toBe(201);
      return (res.body as { data: { id: number } }).data.id;
    },
    addParticipants: (chatId, actor, members) =>
      http
        .post(`/api/chats/${chatId}/participants`)
        .set(auth(actor))
        .send({ user_ids: members.map((m) => m.id) }),
    async close() {
      const keys = await redis.keys(`${redisConfig.keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await database.drop();
    },
  };
}

/** The file tests' fixture: a harness over `storage`, three users and a group of the first two. */
export async function createFileChatHarness(
  label: string,
  options: Parameters<typeof createApiHarness>[1] & { storage: Storage },
) {
  const h = await createApiHarness(label, options);
  const users = await createUsers(h.database.db, 3, label);
  const [owner, member, other] = users as [TestUser, TestUser, TestUser];
  const chatId = await h.createGroup(owner, [member]);
  return { h, owner, member, other, chatId };
}
