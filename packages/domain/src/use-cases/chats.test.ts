import { describe, expect, it } from 'vitest';
import type { Actor } from '../context.js';
import { useDomainHarness } from '../test-context.js';
import { addParticipants } from './add-participants.js';
import { createChat } from './create-chat.js';
import { deleteMessage } from './delete-message.js';
import { getChat } from './get-chat.js';
import { listChats } from './list-chats.js';
import { listMessages } from './list-messages.js';
import { listParticipants } from './list-participants.js';
import { removeParticipant } from './remove-participant.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('chats', 8, 'Member');
const users = h.users;
const as = (i: number): Actor => ({ userId: users[i]!.id });

async function group(owner: number, ...others: number[]): Promise<number> {
  const { chat } = await createChat(h.ctx, as(owner), {
    type: 'group',
    name: 'G',
    participant_ids: others.map((i) => users[i]!.id),
  });
  return chat.id;
}

describe('direct chats', () => {
  it('are unique per pair: creating one again, from either side, returns the same chat', async () => {
    const first = await createChat(h.ctx, as(0), {
      type: 'direct',
      participant_ids: [users[1]!.id],
    });
    const again = await createChat(h.ctx, as(1), {
      type: 'direct',
      participant_ids: [users[0]!.id],
    });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, chat: { id: first.chat.id } });
  });

  it('are created once when both users race to create them', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () =>
        createChat(h.ctx, as(2), { type: 'direct', participant_ids: [users[3]!.id] }),
      ),
      ...Array.from({ length: 4 }, () =>
        createChat(h.ctx, as(3), { type: 'direct', participant_ids: [users[2]!.id] }),
      ),
    ]);
    expect(new Set(results.map((r) => r.chat.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('need exactly one other, existing user', async () => {
    for (const ids of [[], [users[0]!.id], [users[1]!.id, users[2]!.id]]) {
      await expect(
        createChat(h.ctx, as(0), { type: 'direct', participant_ids: ids }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    }
    await expect(
      createChat(h.ctx, as(0), { type: 'direct', participant_ids: [99_999_999] }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: { errors: { participant_ids: [expect.stringContaining('99999999')] } },
    });
  });

  it('cannot have participants added or removed', async () => {
    const { chat } = await createChat(h.ctx, as(4), {
      type: 'direct',
      participant_ids: [users[5]!.id],
    });
    await expect(
      addParticipants(h.ctx, as(4), chat.id, { user_ids: [users[6]!.id] }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(removeParticipant(h.ctx, as(4), chat.id, users[5]!.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('groups', () => {
  it('make the creator owner and the others members, and tell everyone', async () => {
    h.publisher.clear();
    const chatId = await group(0, 1, 2);
    const participants = await listParticipants(h.ctx, as(1), chatId);
    expect(participants.map((p) => [p.user_id, p.role, p.last_read_seq])).toEqual([
      [users[0]!.id, 'owner', 0],
      [users[1]!.id, 'member', 0],
      [users[2]!.id, 'member', 0],
    ]);
    expect(h.publisher.joins).toEqual([{ chatId, userIds: [0, 1, 2].map((i) => users[i]!.id) }]);
    const created = h.publisher.of('chat_created');
    expect(created.map((e) => e.audience.userIds![0]).sort()).toEqual(
      [0, 1, 2].map((i) => users[i]!.id).sort(),
    );
    const forMember = created.find((e) => e.audience.userIds![0] === users[1]!.id)!;
    expect(forMember.payload.chat).toMatchObject({
      id: chatId,
      my_role: 'member',
      participants_count: 3,
    });
  });

  it('let owners and admins add people, members not; existing participants are ignored', async () => {
    const chatId = await group(0, 1);
    await expect(
      addParticipants(h.ctx, as(1), chatId, { user_ids: [users[2]!.id] }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    h.jobs.clear();
    const added = await addParticipants(h.ctx, as(0), chatId, {
      user_ids: [users[1]!.id, users[2]!.id, users[2]!.id],
    });
    expect(added.map((p) => p.user_id)).toEqual([users[2]!.id]);
    expect(h.jobs.unread).toEqual([{ chatId, userIds: [users[2]!.id] }]);
    await expect(
      addParticipants(h.ctx, as(0), chatId, { user_ids: [123_456_789] }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('let a member leave, an owner remove anyone, and nobody remove the owner', async () => {
    const chatId = await group(0, 1, 2, 3);
    await h.database.db.participant.update({
      where: { chatId_userId: { chatId, userId: users[1]!.id } },
      data: { role: 'admin' },
    });
    await expect(removeParticipant(h.ctx, as(2), chatId, users[3]!.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(removeParticipant(h.ctx, as(1), chatId, users[0]!.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await removeParticipant(h.ctx, as(1), chatId, users[3]!.id); // admin removes a member
    await removeParticipant(h.ctx, as(2), chatId, users[2]!.id); // a member leaves
    await expect(removeParticipant(h.ctx, as(0), chatId, users[3]!.id)).rejects.toMatchObject({
      code: 'not_found',
    });
    const left = await listParticipants(h.ctx, as(0), chatId);
    expect(left.map((p) => p.user_id)).toEqual([users[0]!.id, users[1]!.id]);
  });

  it('hand ownership to the longest-standing admin when the owner leaves', async () => {
    const chatId = await group(0, 1, 2);
    await h.database.db.participant.update({
      where: { chatId_userId: { chatId, userId: users[2]!.id } },
      data: { role: 'admin' },
    });
    await removeParticipant(h.ctx, as(0), chatId, users[0]!.id);
    const roles = await listParticipants(h.ctx, as(1), chatId);
    expect(roles.map((p) => [p.user_id, p.role])).toEqual([
      [users[1]!.id, 'member'],
      [users[2]!.id, 'owner'],
    ]);
  });

  it('shut a removed participant out: 404 for the chat, its messages and sending', async () => {
    const chatId = await group(0, 1);
    h.publisher.clear();
    await removeParticipant(h.ctx, as(0), chatId, users[1]!.id);
    expect(h.publisher.leaves).toEqual([{ chatId, userIds: [users[1]!.id] }]);
    expect(h.publisher.of('participant_removed')[0]!.audience).toEqual({
      chatIds: [chatId],
      userIds: [users[1]!.id],
    });
    for (const call of [
      () => getChat(h.ctx, as(1), chatId),
      () => listMessages(h.ctx, as(1), chatId, { limit: 10 }),
      () => sendMessage(h.ctx, as(1), { chatId, content: 'still here?' }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'not_found' });
    }
  });
});

describe('listing', () => {
  it('lists my chats by latest activity with last message, unread and participants, paged by cursor', async () => {
    const me = 7;
    const chatIds = [];
    for (let i = 0; i < 5; i++) chatIds.push(await group(me, i));
    await sendMessage(h.ctx, as(0), { chatId: chatIds[0]!, content: 'latest' });
    await h.database.db.chat.update({
      where: { id: chatIds[0]! },
      data: { lastActivityAt: new Date(Date.now() + 60_000) },
    });

    const first = await listChats(h.ctx, as(me), { limit: 2 });
    expect(first.chats[0]).toMatchObject({
      id: chatIds[0],
      last_message: { content: 'latest', seq: 1 },
      unread_count: 1,
      my_role: 'owner',
      participants_count: 2,
    });
    const seen = [...first.chats];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await listChats(h.ctx, as(me), { limit: 2, cursor });
      seen.push(...page.chats);
      cursor = page.nextCursor;
    }
    expect(seen.map((c) => c.id).sort()).toEqual([...chatIds].sort());
    await expect(listChats(h.ctx, as(me), { limit: 2, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('pages messages by seq: latest, before and after, with tombstones for deleted ones', async () => {
    const chatId = await group(0, 1);
    for (let i = 1; i <= 7; i++) await sendMessage(h.ctx, as(i % 2), { chatId, content: `#${i}` });
    const latest = await listMessages(h.ctx, as(0), chatId, { limit: 3 });
    expect(latest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(latest.hasMore).toBe(true);
    const older = await listMessages(h.ctx, as(0), chatId, { limit: 10, before: 5 });
    expect(older).toMatchObject({ hasMore: false });
    expect(older.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    const newer = await listMessages(h.ctx, as(0), chatId, { limit: 2, after: 4 });
    expect(newer.messages.map((m) => m.seq)).toEqual([5, 6]);
    expect(newer.hasMore).toBe(true);

    const victim = older.messages[1]!;
    await deleteMessage(h.ctx, as(Number(victim.sender.id === users[0]!.id ? 0 : 1)), victim.id);
    const resumed = await listMessages(h.ctx, as(1), chatId, { limit: 100, after: 0 });
    expect(resumed.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(resumed.messages[1]).toMatchObject({ content: null, deleted_at: expect.any(String) });
  });
});

describe('deleting', () => {
  it('lets the sender and a group admin delete, others not; deleting twice is harmless', async () => {
    const chatId = await group(0, 1, 2);
    const { message } = await sendMessage(h.ctx, as(1), { chatId, content: 'oops' });
    await expect(deleteMessage(h.ctx, as(2), message.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(deleteMessage(h.ctx, as(5), message.id)).rejects.toMatchObject({
      code: 'not_found',
    });
    h.publisher.clear();
    h.jobs.clear();
    const deleted = await deleteMessage(h.ctx, as(0), message.id);
    expect(deleted).toMatchObject({
      id: message.id,
      content: null,
      deleted_at: expect.any(String),
    });
    await deleteMessage(h.ctx, as(1), message.id);
    expect(h.publisher.of('message_deleted').map((e) => e.payload)).toEqual([
      { chat_id: chatId, message_id: message.id, seq: message.seq },
    ]);
    expect(h.jobs.unread).toEqual([{ chatId }]);
  });
});
