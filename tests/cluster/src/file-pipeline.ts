import supertest from 'supertest';
import { createApp } from '@kelisim/api';
import { createAuthenticator } from '@kelisim/auth';
import { defaultStorageBaseUrl } from '@kelisim/config';
import type { DomainContext } from '@kelisim/domain';
import { createFileLinks } from '@kelisim/storage/file-links';
import { bullConnection, bullPrefix, createJobQueues, type JobQueues } from '@kelisim/jobs';
import { silentLogger } from '@kelisim/logger';
import { createRedis, type RedisClient } from '@kelisim/redis';
import { createLocalStorage, createS3Storage, type Storage } from '@kelisim/storage';
import {
  createTestDatabase,
  RecordingPublisher,
  testDomainContext,
  testJwtConfig,
  testObjectStores,
  testRedisConfig,
  tokenFor,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';
import { createProcessors, startWorkers, type Workers } from '@kelisim/worker';

// The file pipeline as deployed: REST upload → BullMQ → worker → storage.
const logger = silentLogger();

/** The REST API's Authorization header for `user`. */
export const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

/** Both storage drivers, each over a store of the test file's own. Call at the top level. */
export function storageDrivers(label: string): [string, () => Storage][] {
  const stores = testObjectStores(label);
  return [
    ['local', () => createLocalStorage(stores.root)],
    ['s3', () => createS3Storage(stores.s3.config)],
  ];
}

export interface FilePipeline {
  database: TestDatabase;
  redis: RedisClient;
  jobs: JobQueues;
  storage: Storage;
  publisher: RecordingPublisher;
  ctx: DomainContext;
  http: ReturnType<typeof supertest>;
  /** Creates a group of `owner` and `members` through the REST API: its id. */
  createGroup(owner: TestUser, members: TestUser[]): Promise<number>;
  /** Starts the file workers (after `stopWorker`, again). */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** The real API and BullMQ queues over a database of its own; the worker starts on request. */
/** Where the pipeline's file links point (its API serves them under this path). */
export const fileLinkBase = defaultStorageBaseUrl;

export async function createFilePipeline(label: string, storage: Storage): Promise<FilePipeline> {
  const redisConfig = testRedisConfig();
  const database = await createTestDatabase(label);
  const redis = createRedis(redisConfig);
  const jobs = createJobQueues(bullConnection(redisConfig), bullPrefix(redisConfig), logger, {
    redis,
  });
  const publisher = new RecordingPublisher();
  const links = createFileLinks({
    baseUrl: fileLinkBase,
    ttlSeconds: 3_600,
    secret: 'x'.repeat(32),
  });
  const ctx: DomainContext = testDomainContext({
    db: database.db,
    events: publisher,
    jobs,
    fileLinks: links,
  });
  const http = supertest(
    createApp({
      logger,
      verifyToken: createAuthenticator(testJwtConfig),
      healthChecks: {},
      domain: ctx,
      files: { storage, maxFileSize: 5_000_000, downloadUrlTtlSeconds: 60, links },
    }),
  );
  let workers: Workers | undefined;
  async function stopWorker() {
    await workers?.close();
    workers = undefined;
  }
  return {
    database,
    redis,
    jobs,
    storage,
    publisher,
    ctx,
    http,
    async createGroup(owner, members) {
      const created = await http
        .post('/api/chats')
        .set(auth(owner))
        .send({ type: 'group', participant_ids: members.map((m) => m.id) });
      return (created.body as { data: { id: number } }).data.id;
    },
    async startWorker() {
      workers = await startWorkers({
        connection: bullConnection(redisConfig),
        prefix: bullPrefix(redisConfig),
        queues: jobs.queues,
        processors: createProcessors({ ctx, storage, logger }),
        logger,
        concurrency: 2,
        reconcileIntervalMs: 0,
      });
    },
    stopWorker,
    async close() {
      await stopWorker();
      await jobs.close();
      const keys = await redis.keys(`${redisConfig.keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await database.drop();
    },
  };
}
