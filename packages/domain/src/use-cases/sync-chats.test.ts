import { describe, expect, it } from 'vitest';
import type { TestUser } from '@kelisim/testing';
import { useDomainHarness } from '../test-context.js';
import { createChat } from './create-chat.js';
import { deleteMessage } from './delete-message.js';
import { removeParticipant } from './remove-participant.js';
import { sendMessage } from './send-message.js';
import { syncChats, type SyncChatsQuery } from './sync-chats.js';

const h = useDomainHarness('sync_chats', 3, 'Resumer');
const users = h.users;

async function chatWith(messages: number, participantIds: number[]): Promise<number> {
  const { chat } = await createChat(
    h.ctx,
    { userId: users[0]!.id },
    { type: 'group', participant_ids: participantIds },
  );
  for (let i = 1; i <= messages; i++) {
    await sendMessage(h.ctx, { userId: users[0]!.id }, { chatId: chat.id, content: `m${i}` });
  }
  return chat.id;
}

/** Syncs the chats of `query` as `user`. */
const syncAs = (user: TestUser, query: SyncChatsQuery) =>
  syncChats(h.ctx, { userId: user.id }, query);

describe('syncChats', () => {
  it("answers each chat's messages after its seq, in order, at most limitPerChat, with has_more", async () => {
    const [a, b, c] = [
      await chatWith(5, [users[1]!.id]),
      await chatWith(2, [users[1]!.id]),
      await chatWith(0, [users[1]!.id]),
    ];
    const result = await syncAs(users[1]!, {
      chats: [
        { chatId: a, afterSeq: 1 },
        { chatId: b, afterSeq: 0 },
        { chatId: c, afterSeq: 0 },
      ],
      limitPerChat: 3,
    });
    expect(result.notFound).toEqual([]);
    expect(
      result.chats.map((chat) => ({
        chat_id: chat.chat_id,
        seqs: chat.messages.map((m) => m.seq),
        contents: chat.messages.map((m) => m.content),
        has_more: chat.has_more,
      })),
    ).toEqual([
      { chat_id: a, seqs: [2, 3, 4], contents: ['m2', 'm3', 'm4'], has_more: true },
      { chat_id: b, seqs: [1, 2], contents: ['m1', 'm2'], has_more: false },
      { chat_id: c, seqs: [], contents: [], has_more: false },
    ]);
  });

  it('includes deleted messages as tombstones so seq has no gaps', async () => {
    const chatId = await chatWith(3, [users[1]!.id]);
    const [first] = await h.database.db.message.findMany({ where: { chatId, seq: 2 } });
    await deleteMessage(h.ctx, { userId: users[0]!.id }, Number(first!.id));
    const result = await syncAs(users[1]!, { chats: [{ chatId, afterSeq: 0 }], limitPerChat: 10 });
    expect(result.chats[0]!.messages.map((m) => [m.seq, m.deleted_at !== null])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
  });

  it('reports chats the user takes no part in as not found, without their messages', async () => {
    const mine = await chatWith(1, [users[1]!.id]);
    const foreign = await chatWith(2, [users[2]!.id]);
    const left = await chatWith(1, [users[1]!.id]);
    await removeParticipant(h.ctx, { userId: users[1]!.id }, left, users[1]!.id);
    const result = await syncAs(users[1]!, {
      chats: [
        { chatId: foreign, afterSeq: 0 },
        { chatId: mine, afterSeq: 0 },
        { chatId: left, afterSeq: 0 },
        { chatId: 999_999_999, afterSeq: 0 },
      ],
      limitPerChat: 10,
    });
    expect(result.chats.map((c) => c.chat_id)).toEqual([mine]);
    expect(result.notFound).toEqual([foreign, left, 999_999_999]);
  });

  it('resumes 200 chats in one call', async () => {
    const chatIds: number[] = [];
    for (let i = 0; i < 200; i++) {
      const { chat } = await createChat(
        h.ctx,
        { userId: users[2]!.id },
        { type: 'group', participant_ids: [] },
      );
      await sendMessage(h.ctx, { userId: users[2]!.id }, { chatId: chat.id, content: `c${i}` });
      chatIds.push(chat.id);
    }
    const result = await syncAs(users[2]!, {
      chats: chatIds.map((chatId) => ({ chatId, afterSeq: 0 })),
      limitPerChat: 100,
    });
    expect(result.chats.map((c) => c.messages.map((m) => m.content))).toEqual(
      chatIds.map((_, i) => [`c${i}`]),
    );
  });
});
