import { describe, expect, it } from 'vitest';
import { createGroup, useDomainHarness } from '../test-context.js';
import { deleteMessage } from './delete-message.js';
import { getUnreadCounts } from './get-unread-counts.js';
import { listChats } from './list-chats.js';
import { markChatRead } from './mark-chat-read.js';
import { messageCreatedWebhook } from './message-created-webhook.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('mentions', 4, 'Mentioned');
const [ann, bob, cyd, outsider] = h.actors;
const nobodyOnline = { onlineUsers: () => Promise.resolve(new Set<number>()) };

const mentionsOf = async (userId: number, chatId: number) => {
  const counts = await getUnreadCounts(h.ctx, { userId });
  return counts.chats.find((c) => c.chat_id === chatId)?.mentions;
};

describe('mentions', () => {
  it('keeps participants other than the sender, tells each of them, and shows the ids', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!, cyd!);
    h.publisher.clear();
    const { message } = await sendMessage(h.ctx, ann!, {
      chatId,
      content: '@Cyd @Bob look',
      mentions: [cyd!.userId, bob!.userId, bob!.userId, ann!.userId, outsider!.userId, 987_654],
    });
    const both = [bob!.userId, cyd!.userId].sort((a, b) => a - b);
    expect(message.mentions).toEqual(both);
    expect(h.publisher.of('mentioned')).toEqual([
      {
        audience: { userIds: both },
        event: 'mentioned',
        payload: { chat_id: chatId, message },
      },
    ]);
    const webhook = await messageCreatedWebhook(h.ctx, nobodyOnline, message.id);
    expect(webhook?.message.mentions).toEqual(both);
  });

  it('counts my unread mentions per chat until I read past them or the message is deleted', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!, cyd!);
    const mention = (content: string) =>
      sendMessage(h.ctx, ann!, { chatId, content, mentions: [bob!.userId] });
    const first = await mention('one');
    await sendMessage(h.ctx, ann!, { chatId, content: 'no mention' });
    await mention('two');
    const third = await mention('three');

    expect(await mentionsOf(bob!.userId, chatId)).toBe(3);
    expect(await mentionsOf(cyd!.userId, chatId)).toBe(0);
    const counts = await getUnreadCounts(h.ctx, bob!);
    expect(counts.mentions).toBe(counts.chats.reduce((sum, c) => sum + c.mentions, 0));
    const listed = await listChats(h.ctx, bob!, { limit: 50 });
    expect(listed.chats.find((c) => c.id === chatId)).toMatchObject({
      unread_count: 4,
      unread_mentions: 3,
    });

    await markChatRead(h.ctx, bob!, chatId, first.message.seq);
    expect(await mentionsOf(bob!.userId, chatId)).toBe(2);
    await deleteMessage(h.ctx, ann!, third.message.id);
    expect(await mentionsOf(bob!.userId, chatId)).toBe(1);
    await markChatRead(h.ctx, bob!, chatId);
    expect(await mentionsOf(bob!.userId, chatId)).toBe(0);
  });

  it('stores the mentions of a batch of concurrent sends with each message', async () => {
    const chats = [
      await createGroup(h.ctx, ann!, bob!, cyd!),
      await createGroup(h.ctx, bob!, cyd!),
    ];
    const sends = Array.from({ length: 30 }, (_, i) =>
      sendMessage(h.ctx, i % 2 === 0 ? ann! : bob!, {
        chatId: chats[i % 2 === 0 ? 0 : 1]!,
        content: `m${i}`,
        mentions: [cyd!.userId],
      }),
    );
    const sent = await Promise.all(sends.map((s) => s.then((r) => r.message)));
    const rows = await h.database.db.messageMention.findMany({
      where: { messageId: { in: sent.map((m) => BigInt(m.id)) } },
    });
    expect(
      rows
        .map((r) => [Number(r.messageId), Number(r.chatId), Number(r.seq), Number(r.userId)])
        .sort((a, b) => a[0]! - b[0]!),
    ).toEqual(sent.map((m) => [m.id, m.chat_id, m.seq, cyd!.userId]).sort((a, b) => a[0]! - b[0]!));
  });
});
