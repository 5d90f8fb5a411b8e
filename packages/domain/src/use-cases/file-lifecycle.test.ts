import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@kelisim/contracts';
import { createMemoryRateLimiter, createUsers, type TestUser } from '@kelisim/testing';
import { createDomainHarness, type DomainHarness } from '../test-context.js';
import { addParticipants } from './add-participants.js';
import { completeFile, failFile, uploaderLeftReason } from './complete-file.js';
import { createChat } from './create-chat.js';
import { deleteMessage } from './delete-message.js';
import { findUnreferencedObjects, removableFileObjects } from './file-objects.js';
import { listFiles, prepareDownload } from './list-files.js';
import { removeParticipant } from './remove-participant.js';
import { sendMessage } from './send-message.js';
import { authorizeUpload, registerUpload } from './upload-file.js';

let h: DomainHarness;
let owner: TestUser, member: TestUser, latecomer: TestUser;
let chatId: number;
const noQuota = { quotaBytes: 0 };

beforeAll(async () => {
  h = await createDomainHarness('file_lifecycle');
  [owner, member, latecomer] = (await createUsers(h.database.db, 3, 'Lifecycle')) as [
    TestUser,
    TestUser,
    TestUser,
  ];
  const { chat } = await createChat(
    h.ctx,
    { userId: owner.id },
    { type: 'group', participant_ids: [member.id] },
  );
  chatId = chat.id;
});
afterAll(() => h.database.drop());

async function storedUpload(
  uploader: TestUser,
  size = 100,
  caption?: string,
  chat = chatId,
): Promise<number> {
  const file = await registerUpload(
    h.ctx,
    { userId: uploader.id },
    {
      chatId: chat,
      disk: 'local',
      storageKey: `chats/${chat}/${randomUUID()}`,
      originalName: 'photo.png',
      size,
      caption,
    },
    noQuota,
  );
  return file.id;
}

async function readyFileMessage(uploader: TestUser, caption: string) {
  const fileId = await storedUpload(uploader, 100, caption);
  const done = await completeFile(h.ctx, fileId, {
    status: 'ready',
    mimeType: 'image/png',
    size: 100,
    sha256: 'b'.repeat(64),
    width: 10,
    height: 10,
    thumbnailKey: `thumbs/${randomUUID()}.thumb.webp`,
  });
  return { fileId, message: done!.message! };
}

describe('deleting a message', () => {
  it('erases a text message’s content in the database and keeps its tombstone and seq', async () => {
    const { message } = await sendMessage(
      h.ctx,
      { userId: owner.id },
      { chatId, content: 'my secret' },
    );

    const deleted = await deleteMessage(h.ctx, { userId: owner.id }, message.id);

    expect(deleted).toMatchObject({ id: message.id, seq: message.seq, content: null });
    const row = await h.database.db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(row).toMatchObject({ content: null, seq: BigInt(message.seq) });
    expect(row.deletedAt).not.toBeNull();
  });

  it('deletes a file message’s file: caption erased, unlisted and undownloadable for everyone, bytes queued for removal', async () => {
    const { fileId, message } = await readyFileMessage(member, 'holiday photo');
    expect(message.content).toBe('holiday photo');
    h.jobs.clear();

    await deleteMessage(h.ctx, { userId: member.id }, message.id);

    const [messageRow, fileRow] = await Promise.all([
      h.database.db.message.findUniqueOrThrow({ where: { id: message.id } }),
      h.database.db.chatFile.findUniqueOrThrow({ where: { id: fileId } }),
    ]);
    expect(messageRow.content).toBeNull();
    expect(fileRow.caption).toBeNull();
    expect(fileRow.deletedAt).not.toBeNull();
    expect(h.jobs.removedFiles).toEqual([fileId]);
    await addParticipants(h.ctx, { userId: owner.id }, chatId, { user_ids: [latecomer.id] });
    for (const user of [owner, member, latecomer]) {
      const page = await listFiles(h.ctx, { userId: user.id }, chatId, { limit: 100 });
      expect(page.files.map((f) => f.id)).not.toContain(fileId);
      await expect(prepareDownload(h.ctx, { userId: user.id }, fileId)).rejects.toMatchObject({
        code: 'not_found',
      });
    }
    expect(await removableFileObjects(h.ctx, fileId)).toEqual([
      fileRow.storageKey,
      fileRow.thumbnailKey,
    ]);

    h.jobs.clear();
    await deleteMessage(h.ctx, { userId: member.id }, message.id);
    expect(h.jobs.removedFiles).toEqual([]);
  });
});

describe('finishing an upload', () => {
  it('rejects a processed file whose uploader left the chat meanwhile: no message, bytes and thumbnail to remove', async () => {
    const { chat } = await createChat(
      h.ctx,
      { userId: owner.id },
      { type: 'group', participant_ids: [member.id] },
    );
    const fileId = await storedUpload(member, 100, 'for the group', chat.id);
    await removeParticipant(h.ctx, { userId: member.id }, chat.id, member.id);
    h.jobs.clear();
    const lastSeq = (await h.database.db.chat.findUniqueOrThrow({ where: { id: chat.id } }))
      .lastSeq;

    const done = await completeFile(h.ctx, fileId, {
      status: 'ready',
      mimeType: 'image/png',
      size: 100,
      sha256: 'c'.repeat(64),
      width: 4,
      height: 4,
      thumbnailKey: `chats/${chat.id}/thumb.webp`,
    });

    expect(done?.message).toBeNull();
    expect(done?.file).toMatchObject({ status: 'rejected', status_reason: uploaderLeftReason });
    expect(await h.database.db.message.count({ where: { fileId } })).toBe(0);
    expect((await h.database.db.chat.findUniqueOrThrow({ where: { id: chat.id } })).lastSeq).toBe(
      lastSeq,
    );
    expect(h.jobs.removedFiles).toEqual([fileId]);
    expect(h.jobs.webhooks).toEqual([]);
    expect(await removableFileObjects(h.ctx, fileId)).toHaveLength(2);
  });

  it('queues removal of the bytes of rejected and failed uploads, never of ready ones', async () => {
    const rejected = await storedUpload(owner);
    const failed = await storedUpload(owner);
    const ready = await storedUpload(owner);
    h.jobs.clear();

    await completeFile(h.ctx, rejected, { status: 'rejected', reason: 'Executable.' });
    await failFile(h.ctx, failed, 'The file could not be processed.');
    await completeFile(h.ctx, ready, {
      status: 'ready',
      mimeType: 'text/plain',
      size: 100,
      sha256: 'd'.repeat(64),
    });

    expect(h.jobs.removedFiles).toEqual([rejected, failed]);
    expect(await removableFileObjects(h.ctx, ready)).toEqual([]);
    expect(h.jobs.webhooks).toEqual([
      { event: 'message.created', payload: { message_id: expect.any(Number) } },
    ]);
  });

  it('finds the stored keys no live file references', async () => {
    const live = await storedUpload(owner);
    const rejected = await storedUpload(owner);
    await completeFile(h.ctx, rejected, { status: 'rejected', reason: 'Executable.' });
    const { fileId: withThumb } = await readyFileMessage(owner, 'kept');
    const rows = await h.database.db.chatFile.findMany({
      where: { id: { in: [live, rejected, withThumb] } },
    });
    const key = (id: number) => rows.find((r) => Number(r.id) === id)!;
    const stray = `chats/${chatId}/${randomUUID()}`;

    const unreferenced = await findUnreferencedObjects(h.ctx, [
      key(live).storageKey,
      key(rejected).storageKey,
      key(withThumb).storageKey,
      key(withThumb).thumbnailKey!,
      stray,
    ]);

    expect(unreferenced.sort()).toEqual([key(rejected).storageKey, stray].sort());
  });
});

describe('upload limits', () => {
  it('counts uploads against the send rate limit, before anything is stored', async () => {
    const ctx = { ...h.ctx, sendRateLimiter: createMemoryRateLimiter(2, 60) };
    const request = { declaredBytes: 1_000, limits: noQuota };
    await sendMessage(ctx, { userId: owner.id }, { chatId, content: 'one' });
    await authorizeUpload(ctx, { userId: owner.id }, chatId, request);

    const error = await authorizeUpload(ctx, { userId: owner.id }, chatId, request).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429 });
    expect((error as AppError).details.retryAfterSeconds).toBeGreaterThan(0);
    expect((error as AppError).message).toMatch(/too fast/);
  });

  it('refuses an upload past the quota with 413 naming it, before and after the bytes are stored', async () => {
    const [user] = (await createUsers(h.database.db, 1, 'Quota')) as [TestUser];
    await addParticipants(h.ctx, { userId: owner.id }, chatId, { user_ids: [user.id] });
    const limits = { quotaBytes: 1_048_576 };
    await storedUpload(user, 600_000);

    const before = await authorizeUpload(h.ctx, { userId: user.id }, chatId, {
      declaredBytes: 600_000,
      limits,
    }).catch((caught: unknown) => caught);
    expect(before).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect((before as AppError).message).toMatch(/storage quota of 1 MiB/);

    await authorizeUpload(h.ctx, { userId: user.id }, chatId, { declaredBytes: 0, limits });
    const after = await registerUpload(
      h.ctx,
      { userId: user.id },
      {
        chatId,
        disk: 'local',
        storageKey: `chats/${chatId}/${randomUUID()}`,
        originalName: 'big.bin',
        size: 600_000,
      },
      limits,
    ).catch((caught: unknown) => caught);
    expect(after).toMatchObject({ code: 'payload_too_large' });

    await authorizeUpload(h.ctx, { userId: user.id }, chatId, {
      declaredBytes: 600_000,
      limits: noQuota,
    });
  });

  it('does not count deleted, rejected or failed files against the quota', async () => {
    const [user] = (await createUsers(h.database.db, 1, 'Quota')) as [TestUser];
    await addParticipants(h.ctx, { userId: owner.id }, chatId, { user_ids: [user.id] });
    const limits = { quotaBytes: 1_000_000 };
    const rejected = await storedUpload(user, 900_000);
    await completeFile(h.ctx, rejected, { status: 'rejected', reason: 'Executable.' });
    const failed = await storedUpload(user, 900_000);
    await failFile(h.ctx, failed, 'The file could not be processed.');
    const { message } = await readyFileMessage(user, 'soon gone');
    await deleteMessage(h.ctx, { userId: user.id }, message.id);

    await expect(
      authorizeUpload(h.ctx, { userId: user.id }, chatId, { declaredBytes: 900_000, limits }),
    ).resolves.toBeUndefined();
  });
});
