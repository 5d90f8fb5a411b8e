import { describe, expect, it } from 'vitest';
import type { Actor } from './context.js';
import { createGroup, useDomainHarness } from './test-context.js';
import { addParticipants } from './use-cases/add-participants.js';
import { deleteMessage } from './use-cases/delete-message.js';
import { getUnreadCounts } from './use-cases/get-unread-counts.js';
import { markChatRead } from './use-cases/mark-chat-read.js';
import { markMessageRead } from './use-cases/mark-message-read.js';
import { sendMessage } from './use-cases/send-message.js';

const h = useDomainHarness('read', 4, 'Reader');
const [alice, bob, carol, dave] = h.actors as [Actor, Actor, Actor, Actor];
const groupOf = (owner: Actor, ...others: Actor[]) => createGroup(h.ctx, owner, ...others);

async function send(actor: Actor, chatId: number, count = 1) {
  const sent = [];
  for (let i = 0; i < count; i++) {
    sent.push((await sendMessage(h.ctx, actor, { chatId, content: `m${i}` })).message);
  }
  return sent;
}

/** The definition of unread, computed straight from the messages table. */
async function exactUnread(actor: Actor, chatId: number): Promise<number> {
  const me = await h.database.db.participant.findUniqueOrThrow({
    where: { chatId_userId: { chatId, userId: actor.userId } },
  });
  const [row] = await h.database.db.$queryRaw<{ n: bigint }[]>`
    SELECT COUNT(*) AS n FROM messages
    WHERE chat_id = ${chatId} AND seq > ${me.lastReadSeq}
      AND sender_id <> ${actor.userId} AND deleted_at IS NULL`;
  return Number(row!.n);
}

async function storedUnread(actor: Actor, chatId: number): Promise<number> {
  const counts = await getUnreadCounts(h.ctx, actor);
  return counts.chats.find((c) => c.chat_id === chatId)?.unread ?? -1;
}

/** The stored counters of these participants equal a count from the messages themselves. */
async function expectStoredCountsExact(chatId: number, actors: Actor[]) {
  for (const actor of actors) {
    expect(await storedUnread(actor, chatId)).toBe(await exactUnread(actor, chatId));
  }
}

describe('unread counts and read cursors', () => {
  it('counts messages from others after my cursor, never my own', async () => {
    const chatId = await groupOf(alice, bob, carol);
    await send(alice, chatId, 3);
    await send(bob, chatId, 2);
    expect(await storedUnread(alice, chatId)).toBe(2);
    expect(await storedUnread(bob, chatId)).toBe(3);
    expect(await storedUnread(carol, chatId)).toBe(5);
    await expectStoredCountsExact(chatId, [alice, bob, carol]);
  });

  it('marking one message read moves the cursor to its seq and recounts', async () => {
    const chatId = await groupOf(alice, bob);
    const messages = await send(alice, chatId, 5);
    const state = await markMessageRead(h.ctx, bob, messages[2]!.id);
    expect(state).toEqual({ chat_id: chatId, last_read_seq: 3, unread_count: 2 });
    expect(await storedUnread(bob, chatId)).toBe(2);
  });

  it('never moves a cursor backwards', async () => {
    const chatId = await groupOf(alice, bob);
    const messages = await send(alice, chatId, 4);
    await markChatRead(h.ctx, bob, chatId);
    const state = await markMessageRead(h.ctx, bob, messages[0]!.id);
    expect(state.last_read_seq).toBe(4);
    expect((await markChatRead(h.ctx, bob, chatId, 1)).last_read_seq).toBe(4);
    expect(state.unread_count).toBe(0);
  });

  it('marks a whole chat read, or up to a seq, clamped to the latest message', async () => {
    const chatId = await groupOf(alice, bob);
    await send(alice, chatId, 6);
    expect(await markChatRead(h.ctx, bob, chatId, 2)).toMatchObject({
      last_read_seq: 2,
      unread_count: 4,
    });
    expect(await markChatRead(h.ctx, bob, chatId, 999)).toMatchObject({
      last_read_seq: 6,
      unread_count: 0,
    });
  });

  it('publishes message_read to the chat and queues an unread_count push to the reader once the cursor moves', async () => {
    const chatId = await groupOf(alice, bob);
    await send(alice, chatId, 2);
    h.publisher.clear();
    h.jobs.clear();
    await markChatRead(h.ctx, bob, chatId);
    await markChatRead(h.ctx, bob, chatId); // already there: nothing to tell
    expect(h.jobs.unread).toEqual([{ chatId, userIds: [bob.userId] }]);
    expect(h.publisher.of('message_read').map((e) => [e.audience, e.payload])).toEqual([
      [{ chatIds: [chatId] }, { chat_id: chatId, user_id: bob.userId, last_read_seq: 2 }],
    ]);
    expect(h.jobs.unreadPushes).toEqual([{ userIds: [bob.userId] }]);
  });

  it('a deleted unread message stops counting; a deleted read one changes nothing', async () => {
    const chatId = await groupOf(alice, bob, carol);
    const messages = await send(alice, chatId, 4);
    await markMessageRead(h.ctx, carol, messages[1]!.id); // carol has read 1 and 2
    await deleteMessage(h.ctx, alice, messages[0]!.id); // read by carol, unread for bob
    await deleteMessage(h.ctx, alice, messages[3]!.id); // unread for both
    expect(await storedUnread(bob, chatId)).toBe(2);
    expect(await storedUnread(carol, chatId)).toBe(1);
    await expectStoredCountsExact(chatId, [alice, bob, carol]);
  });

  it('a participant joining late starts with nothing unread and counts what follows', async () => {
    const chatId = await groupOf(alice, bob);
    await send(alice, chatId, 5);
    await addParticipants(h.ctx, alice, chatId, { user_ids: [dave.userId] });
    expect(await storedUnread(dave, chatId)).toBe(0);
    await send(bob, chatId, 2);
    expect(await storedUnread(dave, chatId)).toBe(2);
    expect(await exactUnread(dave, chatId)).toBe(2);
  });

  it('stays exact while sends and reads interleave concurrently', async () => {
    const chatId = await groupOf(alice, bob, carol);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      work.push(sendMessage(h.ctx, i % 2 ? alice : carol, { chatId, content: `c${i}` }));
      if (i % 7 === 0) work.push(markChatRead(h.ctx, bob, chatId));
    }
    await Promise.all(work);
    expect(await storedUnread(bob, chatId)).toBe(await exactUnread(bob, chatId));
    await markChatRead(h.ctx, bob, chatId);
    expect(await storedUnread(bob, chatId)).toBe(0);
  });

  it('reports the total over all my chats', async () => {
    const [c1, c2] = [await groupOf(carol, dave), await groupOf(alice, dave)];
    await send(carol, c1, 2);
    await send(alice, c2, 3);
    const counts = await getUnreadCounts(h.ctx, dave);
    expect(counts.chats).toEqual(
      expect.arrayContaining([
        { chat_id: c1, unread: 2, mentions: 0, muted: false },
        { chat_id: c2, unread: 3, mentions: 0, muted: false },
      ]),
    );
    expect(counts.total).toBe(counts.chats.reduce((sum, c) => sum + c.unread, 0));
  });

  it('answers 404 to a non-participant marking a message read', async () => {
    const chatId = await groupOf(alice, bob);
    const [message] = await send(alice, chatId);
    await expect(markMessageRead(h.ctx, dave, message!.id)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(markChatRead(h.ctx, dave, chatId)).rejects.toMatchObject({ code: 'not_found' });
  });
});
