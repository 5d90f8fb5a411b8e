import { describe, expect, it } from 'vitest';
import { createGroup, useDomainHarness } from '../test-context.js';
import { deleteMessage } from './delete-message.js';
import { listMessages } from './list-messages.js';
import { listReplies } from './list-replies.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('replies', 3, 'Replier');
const [ann, bob, outsider] = h.actors;

const send = (chatId: number, content: string, replyToId?: number) =>
  sendMessage(h.ctx, bob!, { chatId, content, replyToId }).then((r) => r.message);

describe('replies and threads', () => {
  it('quotes the message replied to, at most 200 characters, and counts its live replies', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const longText = '长'.repeat(150) + '😀'.repeat(100);
    const roomy = { ...h.ctx, limits: { ...h.ctx.limits, messageMaxLength: 1_000 } };
    const { message: root } = await sendMessage(roomy, ann!, { chatId, content: longText });
    const reply = await send(chatId, 'answer', root.id);
    expect(reply.reply_to).toEqual({
      id: root.id,
      seq: root.seq,
      sender: root.sender,
      content: '长'.repeat(150) + '😀'.repeat(50),
      deleted: false,
    });
    expect(reply.reply_to_id).toBe(root.id);
    const second = await send(chatId, 'another', root.id);
    await deleteMessage(h.ctx, bob!, second.id);

    const page = await listMessages(h.ctx, ann!, chatId, { limit: 10 });
    expect(page.messages.map((m) => [m.content?.length ?? null, m.reply_count])).toEqual([
      [longText.length, 1],
      ['answer'.length, 0],
      [null, 0],
    ]);
    expect(page.messages[1]!.reply_to).toEqual(reply.reply_to);
  });

  it('pages a thread by seq, tombstones included, and only for participants', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const { message: root } = await sendMessage(h.ctx, ann!, { chatId, content: 'root' });
    const replies = [];
    for (let i = 0; i < 5; i++) {
      replies.push(await send(chatId, `r${i}`, root.id));
      await send(chatId, `not in the thread ${i}`);
    }
    await deleteMessage(h.ctx, bob!, replies[1]!.id);

    const first = await listReplies(h.ctx, ann!, root.id, { limit: 2 });
    expect(first.messages.map((m) => m.content)).toEqual(['r0', null]);
    expect(first.hasMore).toBe(true);
    const rest = await listReplies(h.ctx, ann!, root.id, {
      limit: 10,
      after: first.messages[1]!.seq,
    });
    expect(rest.messages.map((m) => m.content)).toEqual(['r2', 'r3', 'r4']);
    expect(rest.hasMore).toBe(false);
    await expect(listReplies(h.ctx, outsider!, root.id, { limit: 10 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('shows a deleted original as deleted in its replies, and refuses replies across chats', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const otherChat = await createGroup(h.ctx, ann!, bob!);
    const { message: root } = await sendMessage(h.ctx, ann!, { chatId, content: 'soon gone' });
    await send(chatId, 'quoting it', root.id);
    await deleteMessage(h.ctx, ann!, root.id);
    const page = await listMessages(h.ctx, bob!, chatId, { limit: 10 });
    expect(page.messages[1]!.reply_to).toMatchObject({ id: root.id, content: null, deleted: true });

    const { message: elsewhere } = await sendMessage(h.ctx, ann!, {
      chatId: otherChat,
      content: 'x',
    });
    await expect(send(chatId, 'cross-chat', elsewhere.id)).rejects.toMatchObject({
      code: 'validation_failed',
      details: { errors: { reply_to_id: expect.any(Array) } },
    });
  });
});
