import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsers, type TestUser } from '@kelisim/testing';
import { createDomainHarness, type DomainHarness } from '../test-context.js';
import { completeFile, failFile } from './complete-file.js';
import { createChat } from './create-chat.js';

let h: DomainHarness;
let uploader: TestUser;
let chatId: number;

beforeAll(async () => {
  h = await createDomainHarness('complete_file');
  const [first, member] = await createUsers(h.database.db, 2, 'Uploader');
  uploader = first!;
  const { chat } = await createChat(
    h.ctx,
    { userId: uploader.id },
    { type: 'group', participant_ids: [member!.id] },
  );
  chatId = chat.id;
});
afterAll(() => h.database.drop());

async function processingFile(): Promise<number> {
  const file = await h.database.db.chatFile.create({
    data: {
      chatId: BigInt(chatId),
      uploaderId: BigInt(uploader.id),
      disk: 'local',
      storageKey: `chats/${chatId}/${randomUUID()}`,
      originalName: 'upload.bin',
    },
  });
  return Number(file.id);
}

describe('file outcomes', () => {
  it('tells only the uploader about a rejected upload, with the reason, and posts nothing', async () => {
    const fileId = await processingFile();
    h.publisher.clear();
    await completeFile(h.ctx, fileId, {
      status: 'rejected',
      reason: 'Executable files are not allowed.',
    });
    expect(h.publisher.of('file_failed').map((e) => [e.audience, e.payload.file])).toEqual([
      [
        { userIds: [uploader.id] },
        expect.objectContaining({
          id: fileId,
          status: 'rejected',
          status_reason: 'Executable files are not allowed.',
        }),
      ],
    ]);
    expect(h.publisher.of('file_ready')).toEqual([]);
    expect(h.publisher.of('new_message')).toEqual([]);
  });

  it('tells the uploader once when processing fails for good, never for a settled file', async () => {
    const fileId = await processingFile();
    h.publisher.clear();
    await failFile(h.ctx, fileId, 'The file could not be processed.');
    await failFile(h.ctx, fileId, 'The file could not be processed.');
    expect(h.publisher.of('file_failed').map((e) => [e.audience, e.payload.file.status])).toEqual([
      [{ userIds: [uploader.id] }, 'failed'],
    ]);

    const readyId = await processingFile();
    await completeFile(h.ctx, readyId, {
      status: 'ready',
      mimeType: 'text/plain',
      size: 3,
      sha256: 'a'.repeat(64),
    });
    h.publisher.clear();
    await failFile(h.ctx, readyId, 'late failure');
    expect(h.publisher.of('file_failed')).toEqual([]);
  });
});
