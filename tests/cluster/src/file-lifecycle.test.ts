import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import sharp from 'sharp';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@kelisim/api';
import { createAuthenticator } from '@kelisim/auth';
import type { FileResource } from '@kelisim/contracts';
import { uploaderLeftReason, type DomainContext } from '@kelisim/domain';
import { bullConnection, bullPrefix, createJobQueues, type JobQueues } from '@kelisim/jobs';
import { silentLogger } from '@kelisim/logger';
import { createRedis } from '@kelisim/redis';
import { createLocalStorage, createS3Storage, type Storage } from '@kelisim/storage';
import {
  createMemoryRateLimiter,
  createTestDatabase,
  createUsers,
  looseMembershipLimiters,
  looseMembershipLimits,
  RecordingPublisher,
  startTestS3,
  testJwtConfig,
  testRedisConfig,
  tokenFor,
  type TestDatabase,
  type TestS3,
  type TestUser,
} from '@kelisim/testing';
import { createProcessors, startWorkers, type Workers } from '@kelisim/worker';

// What happens to stored bytes after an upload, as deployed: REST → BullMQ → worker → storage.
const logger = silentLogger();

let root: string;
let s3: TestS3;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kelisim-file-lifecycle-'));
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3.stop();
  await rm(root, { recursive: true, force: true });
});

describe.each([
  ['local', () => createLocalStorage(root)],
  ['s3', () => createS3Storage(s3.config)],
] as const)('file lifecycle on %s storage', (disk, makeStorage) => {
  let database: TestDatabase;
  let redis: Redis;
  let jobs: JobQueues;
  let storage: Storage;
  let ctx: DomainContext;
  let workers: Workers | undefined;
  let http: ReturnType<typeof supertest>;
  let owner: TestUser, member: TestUser, latecomer: TestUser;
  let chatId: number;
  const redisConfig = testRedisConfig();
  const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

  async function startWorker() {
    workers = await startWorkers({
      connection: bullConnection(redisConfig),
      prefix: bullPrefix(redisConfig),
      queues: jobs.queues,
      processors: createProcessors({ ctx, storage, logger }),
      logger,
      concurrency: 2,
      reconcileIntervalMs: 0,
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase(`e2e_file_lifecycle_${disk}`);
    redis = createRedis(redisConfig);
    jobs = createJobQueues(bullConnection(redisConfig), bullPrefix(redisConfig), logger);
    storage = makeStorage();
    ctx = {
      db: database.db,
      events: new RecordingPublisher(),
      jobs,
      sendRateLimiter: createMemoryRateLimiter(10_000, 60),
      typingRateLimiter: createMemoryRateLimiter(10_000, 60),
      ...looseMembershipLimiters(),
      limits: { messageMaxLength: 10_000, groupMaxMembers: looseMembershipLimits.groupMaxMembers },
    };
    http = supertest(
      createApp({
        logger,
        verifyToken: createAuthenticator(testJwtConfig),
        healthChecks: {},
        domain: ctx,
        files: { storage, maxFileSize: 5_000_000, downloadUrlTtlSeconds: 60 },
      }),
    );
    [owner, member, latecomer] = (await createUsers(database.db, 3, 'Lifecycle')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const created = await http
      .post('/api/chats')
      .set(auth(owner))
      .send({ type: 'group', participant_ids: [member.id] });
    chatId = created.body.data.id;
    await startWorker();
  });

  afterAll(async () => {
    await workers?.close();
    await jobs.close();
    const keys = await redis.keys(`${redisConfig.keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await database.drop();
  });

  async function upload(bytes: Buffer, filename: string, user: TestUser): Promise<FileResource> {
    const res = await http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(user))
      .field('content', 'a caption')
      .attach('file', bytes, filename);
    expect(res.status).toBe(202);
    return res.body.data as FileResource;
  }

  async function settled(id: number): Promise<{ status: string; storageKey: string }> {
    let row: Awaited<ReturnType<typeof database.db.chatFile.findUniqueOrThrow>> | undefined;
    await expect
      .poll(
        async () => {
          row = await database.db.chatFile.findUniqueOrThrow({ where: { id } });
          return row.status;
        },
        { timeout: 20_000, interval: 100 },
      )
      .not.toBe('processing');
    return row!;
  }

  function removed(keys: string[]) {
    return expect
      .poll(
        async () => {
          const left = await Promise.all(keys.map((key) => storage.exists(key)));
          return left.filter(Boolean).length;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(0);
  }

  it('deleting an image message makes the file 404 for everyone and removes its object and thumbnail', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a37' } })
      .png()
      .toBuffer();
    const queued = await upload(png, 'photo.png', member);
    await settled(queued.id);
    const row = await database.db.chatFile.findUniqueOrThrow({ where: { id: queued.id } });
    expect(row).toMatchObject({ status: 'ready', thumbnailKey: expect.any(String) });
    const keys = [row.storageKey, row.thumbnailKey!];
    expect(await Promise.all(keys.map((key) => storage.exists(key)))).toEqual([true, true]);
    const message = await database.db.message.findFirstOrThrow({ where: { fileId: queued.id } });

    const deleted = await http.delete(`/api/messages/${message.id}`).set(auth(member));
    expect(deleted.status).toBe(200);

    await http
      .post(`/api/chats/${chatId}/participants`)
      .set(auth(owner))
      .send({ user_ids: [latecomer.id] });
    for (const user of [owner, member, latecomer]) {
      for (const what of ['download', 'thumbnail']) {
        const res = await http.get(`/api/files/${queued.id}/${what}`).set(auth(user)).redirects(0);
        expect(res.status).toBe(404);
      }
      const listed = await http.get(`/api/chats/${chatId}/files?limit=100`).set(auth(user));
      expect((listed.body.data as FileResource[]).map((f) => f.id)).not.toContain(queued.id);
    }
    const tombstone = await database.db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(tombstone.content).toBeNull();
    await removed(keys);
  });

  it('removes the stored bytes of a rejected upload', async () => {
    const elf = Buffer.alloc(256);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(elf);
    elf.writeUInt16LE(2, 16);
    elf.writeUInt16LE(0x3e, 18);
    const queued = await upload(elf, 'invoice.pdf', owner);
    const row = await settled(queued.id);
    expect(row.status).toBe('rejected');
    await removed([row.storageKey]);
  });

  it('rejects an upload whose uploader left before it was processed: no message, bytes removed', async () => {
    await workers!.close();
    workers = undefined;
    const queued = await upload(Buffer.from('left behind'), 'notes.txt', latecomer);
    const left = await http
      .delete(`/api/chats/${chatId}/participants/${latecomer.id}`)
      .set(auth(latecomer));
    expect(left.status).toBeLessThan(300);
    const lastSeq = (await database.db.chat.findUniqueOrThrow({ where: { id: chatId } })).lastSeq;

    await startWorker();

    const row = await settled(queued.id);
    expect(row).toMatchObject({ status: 'rejected', statusReason: uploaderLeftReason });
    expect(await database.db.message.count({ where: { fileId: queued.id } })).toBe(0);
    expect((await database.db.chat.findUniqueOrThrow({ where: { id: chatId } })).lastSeq).toBe(
      lastSeq,
    );
    await removed([row.storageKey]);
  });
});
