import { describe, expect, it } from 'vitest';
import type { Actor } from '../context.js';
import { createGroup, useDomainHarness } from '../test-context.js';
import { addParticipants } from './add-participants.js';
import { deleteMessage } from './delete-message.js';
import { getUnreadCounts } from './get-unread-counts.js';
import { markChatRead } from './mark-chat-read.js';
import { markMessageRead } from './mark-message-read.js';
import { pushUnreadCounts } from './push-unread-counts.js';
import { recomputeUnread } from './recompute-unread.js';
import { removeParticipant } from './remove-participant.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('unread_push', 3, 'Badge');
const [alice, bob, carol] = h.actors as [Actor, Actor, Actor];
const group = (owner: Actor, ...others: Actor[]) => createGroup(h.ctx, owner, ...others);

describe('unread_count pushes', () => {
  it('are queued for the users whose stored counters each change touches', async () => {
    h.jobs.clear();
    const chatId = await group(alice, bob);
    expect(h.jobs.unreadPushes).toEqual([{ userIds: [alice.userId, bob.userId] }]);

    const expectQueued = async (change: () => Promise<unknown>, audience: object) => {
      h.jobs.clear();
      await change();
      expect(h.jobs.unreadPushes).toEqual([audience]);
    };
    const sent: number[] = [];
    for (const content of ['one', 'two']) {
      await expectQueued(
        async () => {
          sent.push((await sendMessage(h.ctx, alice, { chatId, content })).message.id);
        },
        { chatIds: [chatId] },
      );
    }
    await expectQueued(() => markMessageRead(h.ctx, bob, sent[0]!), { userIds: [bob.userId] });
    await expectQueued(() => markChatRead(h.ctx, bob, chatId), { userIds: [bob.userId] });
    await expectQueued(() => deleteMessage(h.ctx, alice, sent[1]!), { chatIds: [chatId] });
    await expectQueued(() => addParticipants(h.ctx, alice, chatId, { user_ids: [carol.userId] }), {
      userIds: [carol.userId],
    });
    await expectQueued(() => removeParticipant(h.ctx, alice, chatId, carol.userId), {
      userIds: [carol.userId],
    });
    await h.database.db.participant.update({
      where: { chatId_userId: { chatId, userId: bob.userId } },
      data: { unreadCount: 9 },
    });
    await expectQueued(() => recomputeUnread(h.ctx, chatId), { userIds: [bob.userId] });
  });

  it('queue nothing when a read changes no counter', async () => {
    const chatId = await group(alice, bob);
    await sendMessage(h.ctx, alice, { chatId, content: 'hi' });
    await markChatRead(h.ctx, bob, chatId);
    h.jobs.clear();
    await markChatRead(h.ctx, bob, chatId);
    expect(h.jobs.unreadPushes).toEqual([]);
  });

  it('send the stored counters, as GET /api/unread-count answers, to all sockets of the user', async () => {
    const chatId = await group(alice, bob);
    await sendMessage(h.ctx, alice, { chatId, content: 'one' });
    await sendMessage(h.ctx, alice, { chatId, content: 'two' });
    h.publisher.clear();
    await pushUnreadCounts(h.ctx, { userIds: [bob.userId] });
    expect(h.publisher.of('unread_count')).toEqual([
      {
        audience: { userIds: [bob.userId] },
        event: 'unread_count',
        payload: await getUnreadCounts(h.ctx, bob),
      },
    ]);
    expect(h.publisher.of('unread_count')[0]!.payload.chats).toContainEqual({
      chat_id: chatId,
      unread: 2,
      mentions: 0,
      muted: false,
    });
  });

  it('of a chat go to each of its participants, with their counters in every chat', async () => {
    const chatId = await group(carol, alice, bob);
    const other = await group(alice, bob);
    await sendMessage(h.ctx, alice, { chatId, content: 'to both' });
    await sendMessage(h.ctx, bob, { chatId: other, content: 'to alice' });
    h.publisher.clear();
    await pushUnreadCounts(h.ctx, { chatIds: [chatId] });
    const pushes = h.publisher.of('unread_count');
    expect(pushes.map((p) => p.audience.userIds![0]).sort()).toEqual(
      [alice.userId, bob.userId, carol.userId].sort(),
    );
    for (const actor of [alice, bob, carol]) {
      const pushed = pushes.find((p) => p.audience.userIds![0] === actor.userId)!.payload;
      expect(pushed).toEqual(await getUnreadCounts(h.ctx, actor));
    }
  });
});
