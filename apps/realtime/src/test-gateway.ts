import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator, createCredentialCheck, type CacheReader } from '@kelisim/auth';
import {
  defaultStorageBaseUrl,
  type ChatConfig,
  type JwtConfig,
  type RateLimitSetting,
} from '@kelisim/config';
import { createLiveCredentialStore, createSanctumTokenStore, type Db } from '@kelisim/db';
import { silentLogger } from '@kelisim/logger';
import { createChat, defaultGroupCommit } from '@kelisim/domain';
import { composeNode, type ChatNode } from '@kelisim/node';
import { createRedis, type RedisClient } from '@kelisim/redis';
import {
  createTestDatabase,
  createUsers,
  type TestUser,
  looseMembershipLimits,
  testJwtConfig,
  testRedisConfig,
  type TestDatabase,
  RecordingJobQueue,
} from '@kelisim/testing';
import type { GatewaySettings } from './config.js';
import { createGateway, type Gateway } from './gateway.js';

/** Where the harness's file links point. */
export const testFileLinkBase = defaultStorageBaseUrl;

export interface GatewayHarness {
  url: string;
  gateway: Gateway;
  /** The node under the gateway (its metrics, database, Redis). */
  node: ChatNode;
  database: TestDatabase;
  redis: RedisClient;
  /** A new user and a group of theirs alone. */
  userWithGroup(name: string): Promise<{ user: TestUser; chatId: number }>;
  close(): Promise<void>;
}

/** One gateway in this process over a database of its own and a Redis namespace of its own. */
export async function startTestGateway(
  label: string,
  options: {
    settings?: Partial<GatewaySettings>;
    corsOrigins?: string[];
    messageMaxLength?: number;
    editWindowSeconds?: number;
    sendRateLimit?: RateLimitSetting;
    /** Token settings (blacklist, Sanctum); the blacklist reads `laravelCache`, else `redis`. */
    jwt?: JwtConfig;
    laravelCache?: CacheReader;
    /** The gateway's own connection to the test database (e.g. through a cuttable proxy). */
    connectDb?: (database: TestDatabase) => Promise<Db>;
    beforeChannelJoin?: (channel: string) => Promise<void>;
    presenceTtlMs?: number;
  } = {},
): Promise<GatewayHarness> {
  const database = await createTestDatabase(label);
  const db = options.connectDb ? await options.connectDb(database) : database.db;
  const redisConfig = testRedisConfig();
  const jwt = options.jwt ?? testJwtConfig;
  // Laravel's cache (the jwt-auth blacklist) is the test's namespace unless the test brings one.
  const ownCache = options.laravelCache ? undefined : createRedis(redisConfig);
  const laravelCache = options.laravelCache ?? ownCache!;
  const settings: GatewaySettings = {
    port: 0,
    maxFrameBytes: 131_072,
    eventLimit: { points: 1_000, windowSeconds: 10 },
    syncLimit: { points: 1_000, windowSeconds: 10 },
    maxSocketsPerUser: 20,
    handshakeConcurrency: 1_000,
    shutdownTimeoutMs: 2_000,
    plainPingIntervalMs: 25_000,
    credentials: { recheckIntervalMs: 15_000, reauthGraceMs: 30_000 },
    ...options.settings,
  };
  const chat: ChatConfig = {
    messageMaxLength: options.messageMaxLength ?? 10_000,
    editWindowSeconds: options.editWindowSeconds ?? 0,
    sendRateLimit: options.sendRateLimit ?? { points: 10_000, windowSeconds: 60 },
    groupCommit: defaultGroupCommit,
    ...looseMembershipLimits,
    corsOrigins: ['*'],
    socketOrigins: options.corsOrigins ?? ['*'],
    nodeId: undefined,
    adapter: 'classic',
    socketIoKey: `${redisConfig.keyPrefix}socket.io`,
    drainDelayMs: 0,
  };
  const node = composeNode(
    {
      chat,
      database: database.config,
      redis: redisConfig,
      webhooks: { enabled: false },
      presence: { ttlMs: options.presenceTtlMs ?? 30_000 },
      fileLinks: { baseUrl: testFileLinkBase, ttlSeconds: 3_600, secret: jwt.secret },
    },
    {
      service: 'realtime',
      sockets: 'adapter',
      logger: silentLogger(),
      db,
      jobs: new RecordingJobQueue(),
      auth: {
        verifyToken: createAuthenticator(jwt, {
          laravelCache,
          sanctumTokens: createSanctumTokenStore(db),
        }),
        credentials: createCredentialCheck(jwt, {
          laravelCache,
          store: createLiveCredentialStore(db),
        }),
      },
    },
  );
  const { redis } = node;
  const httpServer = createServer();
  const gateway = createGateway(node, {
    httpServer,
    settings,
    corsOrigins: chat.socketOrigins,
    beforeChannelJoin: options.beforeChannelJoin,
  });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    gateway,
    node,
    database,
    redis,
    async userWithGroup(name) {
      const [user] = (await createUsers(database.db, 1, name)) as [TestUser];
      const { chat } = await createChat(
        gateway.ctx,
        { userId: user.id },
        { type: 'group', participant_ids: [] },
      );
      return { user, chatId: chat.id };
    },
    async close() {
      await gateway.close();
      if (db !== database.db) await db.$disconnect();
      const keys = await redis.keys(`${redisConfig.keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await Promise.all([node.close(), ownCache?.quit()]);
      await database.drop();
    },
  };
}
