import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeFile, createChat, deleteMessage, registerUpload } from '@kelisim/domain';
import { silentLogger } from '@kelisim/logger';
import {
  createLocalStorage,
  createS3Storage,
  newObjectKey,
  thumbnailKeyOf,
  type Storage,
} from '@kelisim/storage';
import { createUsers, testObjectStores, type TestUser } from '@kelisim/testing';
import { sweepOrphanObjects } from './processors/file-objects.js';
import { createProcessors } from './processors/index.js';
import { createWorkerHarness, waitFor, waitForJob, type WorkerHarness } from './test-worker.js';
import { orphanSweepSchedulerId } from './worker.js';

const stores = testObjectStores('worker-objects');

describe.each([
  ['local', () => createLocalStorage(stores.root)],
  ['s3', () => createS3Storage(stores.s3.config)],
] as const)('stored objects of gone files on %s storage', (disk, makeStorage) => {
  let h: WorkerHarness;
  let storage: Storage;
  let owner: TestUser;
  let chatId: number;

  beforeAll(async () => {
    h = await createWorkerHarness(`file_objects_${disk}`);
    storage = makeStorage();
    [owner] = (await createUsers(h.database.db, 1, 'Objects')) as [TestUser];
    const { chat } = await createChat(
      h.ctx,
      { userId: owner.id },
      { type: 'group', participant_ids: [] },
    );
    chatId = chat.id;
  });
  afterAll(() => h.close());

  async function put(key: string): Promise<string> {
    await storage.put(key, Readable.from(randomBytes(64)));
    return key;
  }

  /**
   * Stored bytes (and a thumbnail), registered as an upload of `originalName`: a running worker
   * may take it from there at once, so everything is stored before it is registered.
   */
  async function storedUpload(originalName: string, withThumbnail = false) {
    const storageKey = await put(newObjectKey(chatId));
    const thumbnailKey = withThumbnail ? await put(thumbnailKeyOf(storageKey)) : undefined;
    const file = await registerUpload(
      h.ctx,
      { userId: owner.id },
      { chatId, disk, storageKey, originalName, size: 64 },
      { quotaBytes: 0 },
    );
    return { storageKey, thumbnailKey: thumbnailKey!, file };
  }

  /** A stored upload, completed as `ready` with a thumbnail: its message and both keys. */
  async function readyImage() {
    const { storageKey, thumbnailKey, file } = await storedUpload('a.png', true);
    const done = await completeFile(h.ctx, file.id, {
      status: 'ready',
      mimeType: 'image/png',
      size: 64,
      sha256: 'e'.repeat(64),
      width: 2,
      height: 2,
      thumbnailKey,
    });
    return { fileId: file.id, messageId: done!.message!.id, storageKey, thumbnailKey };
  }

  async function present(keys: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const key of keys) if (await storage.exists(key)) found.push(key);
    return found;
  }

  async function runJob(name: 'deleteFileObjects' | 'sweepOrphanObjects', data: object) {
    const job = await h.queues.files.add(name, data);
    const done = await waitForJob(h.queues.files, job.id!);
    expect(await done.getState()).toBe('completed');
    return done.returnvalue as unknown;
  }

  it('removes the object and thumbnail of a deleted file message once the worker runs, and again harmlessly', async () => {
    const workers = await h.start({
      processors: createProcessors({ ctx: h.ctx, storage, logger: silentLogger() }),
    });
    try {
      const gone = await readyImage();
      const kept = await readyImage();

      await deleteMessage(h.ctx, { userId: owner.id }, gone.messageId);

      await waitFor('the deleted file’s objects to be removed', async () => {
        return (await present([gone.storageKey, gone.thumbnailKey])).length === 0;
      });
      expect(await runJob('deleteFileObjects', { file_id: gone.fileId })).toEqual({ removed: 2 });
      expect(await runJob('deleteFileObjects', { file_id: kept.fileId })).toEqual({ removed: 0 });
      expect(await present([kept.storageKey, kept.thumbnailKey])).toHaveLength(2);
    } finally {
      await workers.close();
    }
  });

  it('removes the bytes of a rejected upload', async () => {
    const workers = await h.start({
      processors: createProcessors({ ctx: h.ctx, storage, logger: silentLogger() }),
    });
    try {
      const { storageKey, file } = await storedUpload('evil.exe');

      await completeFile(h.ctx, file.id, { status: 'rejected', reason: 'Executable.' });

      await waitFor('the rejected upload’s bytes to be removed', async () => {
        return !(await storage.exists(storageKey));
      });
    } finally {
      await workers.close();
    }
  });

  it('sweeps away old objects no live file references, page by page, and spares young ones', async () => {
    const live = await readyImage();
    const deletedOne = await readyImage();
    await h.database.db.chatFile.update({
      where: { id: deletedOne.fileId },
      data: { deletedAt: new Date() },
    });
    const stray = await put(newObjectKey(chatId));
    const all = [live.storageKey, live.thumbnailKey, deletedOne.storageKey, stray];

    const workers = await h.start({
      processors: createProcessors({
        ctx: h.ctx,
        storage,
        logger: silentLogger(),
        orphanGraceMs: 3_600_000,
      }),
    });
    try {
      const spared = (await runJob('sweepOrphanObjects', {})) as { removed: number };
      expect(spared.removed).toBe(0);
      expect(await present(all)).toEqual(all);
    } finally {
      await workers.close();
    }

    const swept = await sweepOrphanObjects({
      ctx: h.ctx,
      storage,
      logger: silentLogger(),
      graceMs: 0,
      pageSize: 2,
    });
    expect(swept.scanned).toBeGreaterThanOrEqual(all.length);
    expect(await present(all)).toEqual([live.storageKey, live.thumbnailKey]);
    expect(await present([deletedOne.thumbnailKey])).toEqual([]);
  });
});

describe('the orphan sweep schedule', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await createWorkerHarness('orphan_schedule');
  });
  afterAll(() => h.close());

  it('is set up by the workers with its interval, and removed when the interval is 0', async () => {
    const workers = await h.start({ orphanSweepIntervalMs: 60_000 });
    await workers.close();
    const scheduler = await h.queues.files.getJobScheduler(orphanSweepSchedulerId);
    expect(scheduler).toMatchObject({ name: 'sweepOrphanObjects', every: 60_000 });

    await (await h.start({ orphanSweepIntervalMs: 0 })).close();
    expect(await h.queues.files.getJobScheduler(orphanSweepSchedulerId)).toBeFalsy();
  });
});
