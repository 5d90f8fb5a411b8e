import { describe, expect, it } from 'vitest';
import type { Actor } from '../context.js';
import { useDomainHarness } from '../test-context.js';
import { createChat } from './create-chat.js';
import { markChatRead } from './mark-chat-read.js';
import { recomputeUnread } from './recompute-unread.js';
import { reconcileUnread } from './reconcile-unread.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('recompute', 3, 'Counter');
const [alice, bob, carol] = h.actors as [Actor, Actor, Actor];

/** A group of alice, bob and carol where bob has 3 unread and carol 2. */
async function chatWithHistory(): Promise<number> {
  const { chat } = await createChat(h.ctx, alice, {
    type: 'group',
    participant_ids: [bob.userId, carol.userId],
  });
  for (let i = 0; i < 3; i++) await sendMessage(h.ctx, alice, { chatId: chat.id, content: 'hi' });
  await markChatRead(h.ctx, carol, chat.id, 1);
  return chat.id;
}

async function corrupt(chatId: number, actor: Actor, unreadCount: number): Promise<void> {
  await h.database.db.participant.update({
    where: { chatId_userId: { chatId, userId: actor.userId } },
    data: { unreadCount },
  });
}

async function stored(chatId: number, actor: Actor): Promise<number> {
  const row = await h.database.db.participant.findUniqueOrThrow({
    where: { chatId_userId: { chatId, userId: actor.userId } },
  });
  return row.unreadCount;
}

describe('recomputeUnread', () => {
  it('stores exact counts and queues unread_count pushes only to users whose counter changed', async () => {
    const chatId = await chatWithHistory();
    await corrupt(chatId, bob, 40);
    await corrupt(chatId, alice, 7);
    h.jobs.clear();
    const corrections = await recomputeUnread(h.ctx, chatId);
    expect(corrections).toEqual([
      { chatId, userId: alice.userId, from: 7, to: 0 },
      { chatId, userId: bob.userId, from: 40, to: 3 },
    ]);
    expect(await stored(chatId, alice)).toBe(0);
    expect(await stored(chatId, bob)).toBe(3);
    expect(await stored(chatId, carol)).toBe(2);
    expect(h.jobs.unreadPushes).toEqual([{ userIds: [alice.userId, bob.userId] }]);

    h.jobs.clear();
    expect(await recomputeUnread(h.ctx, chatId)).toEqual([]);
    expect(h.jobs.unreadPushes).toEqual([]);
  });

  it('touches only the given users, and ignores users who are not participants', async () => {
    const chatId = await chatWithHistory();
    await corrupt(chatId, bob, 9);
    await corrupt(chatId, carol, 9);
    expect(await recomputeUnread(h.ctx, chatId, [carol.userId, 987_654_321])).toEqual([
      { chatId, userId: carol.userId, from: 9, to: 2 },
    ]);
    expect(await stored(chatId, bob)).toBe(9);
  });
});

describe('reconcileUnread', () => {
  it('finds and corrects drifted counters across chats, at most `limit` per run', async () => {
    const [first, second] = [await chatWithHistory(), await chatWithHistory()];
    await reconcileUnread(h.ctx, { limit: 1_000 }); // what earlier tests left behind
    await corrupt(first, bob, 0);
    await corrupt(second, carol, 11);
    await corrupt(second, alice, 1);
    expect(await reconcileUnread(h.ctx, { limit: 2 })).toEqual({ corrected: 2, requeuedFiles: 0 });
    expect(await reconcileUnread(h.ctx, { limit: 2 })).toEqual({ corrected: 1, requeuedFiles: 0 });
    expect(await reconcileUnread(h.ctx, { limit: 2 })).toEqual({ corrected: 0, requeuedFiles: 0 });
    expect([
      await stored(first, bob),
      await stored(second, carol),
      await stored(second, alice),
    ]).toEqual([3, 2, 0]);
  });

  it('queues again uploads stuck in processing for more than five minutes', async () => {
    const chatId = await chatWithHistory();
    const upload = (key: string, status: 'processing' | 'ready', minutesAgo: number) => {
      const at = new Date(Math.floor(Date.now() / 1000 - minutesAgo * 60) * 1000);
      return h.database.db.chatFile.create({
        data: {
          chatId,
          uploaderId: alice.userId,
          disk: 'local',
          storageKey: `${key}-${chatId}`,
          originalName: `${key}.bin`,
          status,
          createdAt: at,
          updatedAt: at,
        },
      });
    };
    const stuck = await upload('stuck', 'processing', 10);
    await upload('fresh', 'processing', 1);
    await upload('done', 'ready', 10);
    h.jobs.clear();
    expect(await reconcileUnread(h.ctx, { limit: 100 })).toEqual({
      corrected: 0,
      requeuedFiles: 1,
    });
    expect(h.jobs.files).toEqual([Number(stuck.id)]);
  });
});
