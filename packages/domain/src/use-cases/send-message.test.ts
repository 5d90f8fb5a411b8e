import { describe, expect, it } from 'vitest';
import type { TestUser } from '@kelisim/testing';
import { useDomainHarness } from '../test-context.js';
import { createChat } from './create-chat.js';
import { removeParticipant } from './remove-participant.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('send', 5, 'Sender');
const users = h.users;

async function group(members: TestUser[]): Promise<number> {
  const [owner, ...others] = members;
  const { chat } = await createChat(
    h.ctx,
    { userId: owner!.id },
    {
      type: 'group',
      name: 'Team',
      participant_ids: others.map((u) => u.id),
    },
  );
  return chat.id;
}

describe('sendMessage', () => {
  it('stores the message with the next seq and publishes new_message to the chat', async () => {
    const chatId = await group(users.slice(0, 2));
    h.publisher.clear();
    const first = await sendMessage(h.ctx, { userId: users[0]!.id }, { chatId, content: 'hello' });
    const second = await sendMessage(h.ctx, { userId: users[1]!.id }, { chatId, content: 'hi' });
    expect([first.message.seq, second.message.seq]).toEqual([1, 2]);
    expect(first.created).toBe(true);
    expect(first.message).toMatchObject({
      chat_id: chatId,
      sender: { id: users[0]!.id, name: users[0]!.name },
      type: 'text',
      content: 'hello',
      deleted_at: null,
    });
    expect(h.publisher.of('new_message').map((e) => [e.audience, e.payload.message.id])).toEqual([
      [{ chatIds: [chatId] }, first.message.id],
      [{ chatIds: [chatId] }, second.message.id],
    ]);
  });

  it('hands out gap-free, strictly increasing seqs under 200 concurrent sends from 5 users', async () => {
    const chatId = await group(users);
    const sends = Array.from({ length: 200 }, (_, i) =>
      sendMessage(h.ctx, { userId: users[i % users.length]!.id }, { chatId, content: `m${i}` }),
    );
    const results = await Promise.all(sends);
    const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = await h.database.db.message.findMany({
      where: { chatId },
      select: { seq: true },
      orderBy: { seq: 'asc' },
    });
    expect(stored.map((m) => Number(m.seq))).toEqual(seqs);
    const chat = await h.database.db.chat.findUniqueOrThrow({ where: { id: chatId } });
    expect(chat.lastSeq).toBe(200n);
  });

  it('returns the original message for a repeated temp_id, also when the tries race', async () => {
    const chatId = await group(users.slice(0, 2));
    const actor = { userId: users[0]!.id };
    const first = await sendMessage(h.ctx, actor, { chatId, content: 'once', tempId: 'tmp-1' });
    const again = await sendMessage(h.ctx, actor, { chatId, content: 'once', tempId: 'tmp-1' });
    expect(again).toEqual({ message: first.message, created: false });

    const racing = await Promise.all(
      Array.from({ length: 10 }, () =>
        sendMessage(h.ctx, actor, { chatId, content: 'race', tempId: 'tmp-2' }),
      ),
    );
    expect(new Set(racing.map((r) => r.message.id)).size).toBe(1);
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    const rows = await h.database.db.message.count({ where: { chatId } });
    expect(rows).toBe(2);
    const chat = await h.database.db.chat.findUniqueOrThrow({ where: { id: chatId } });
    expect(chat.lastSeq).toBe(2n); // a losing race leaves no hole in seq
  });

  it('keeps temp_ids apart per sender', async () => {
    const chatId = await group(users.slice(0, 2));
    const a = await sendMessage(
      h.ctx,
      { userId: users[0]!.id },
      { chatId, content: 'a', tempId: 'same' },
    );
    const b = await sendMessage(
      h.ctx,
      { userId: users[1]!.id },
      { chatId, content: 'b', tempId: 'same' },
    );
    expect(a.message.id).not.toBe(b.message.id);
    expect(b.created).toBe(true);
  });

  it('round-trips emoji and other 4-byte characters byte for byte', async () => {
    const chatId = await group(users.slice(0, 2));
    const content = '𝕳𝖊𝖑𝖑𝖔 👋🏽 家族👨‍👩‍👧 \u{1F9D1}\u200D\u{1F680} ñ';
    const sent = await sendMessage(h.ctx, { userId: users[0]!.id }, { chatId, content });
    const row = await h.database.db.message.findUniqueOrThrow({ where: { id: sent.message.id } });
    expect(Buffer.from(row.content!, 'utf8').equals(Buffer.from(content, 'utf8'))).toBe(true);
  });

  it('rejects empty, whitespace-only and too long content with 422, counting code points', async () => {
    const chatId = await group(users.slice(0, 2));
    const actor = { userId: users[0]!.id };
    for (const content of ['', '   \n ', 'x'.repeat(101)]) {
      await expect(sendMessage(h.ctx, actor, { chatId, content })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { errors: { content: [expect.any(String)] } },
      });
    }
    const hundredEmoji = '😀'.repeat(100); // 200 UTF-16 units, 100 code points: allowed
    await expect(
      sendMessage(h.ctx, actor, { chatId, content: hundredEmoji }),
    ).resolves.toMatchObject({
      created: true,
    });
  });

  it('answers 404 to a non-participant and stores nothing', async () => {
    const chatId = await group(users.slice(0, 2));
    await expect(
      sendMessage(h.ctx, { userId: users[4]!.id }, { chatId, content: 'intruder' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await h.database.db.message.count({ where: { chatId } })).toBe(0);
    const chat = await h.database.db.chat.findUniqueOrThrow({ where: { id: chatId } });
    expect(chat.lastSeq).toBe(0n); // the refused send's seq was rolled back
  });

  it('answers 404 to a removed participant, also when retrying an earlier temp_id', async () => {
    const chatId = await group(users.slice(0, 3));
    const leaver = { userId: users[2]!.id };
    await sendMessage(h.ctx, leaver, { chatId, content: 'bye', tempId: 'leave-1' });
    await removeParticipant(h.ctx, leaver, chatId, leaver.userId);
    for (const tempId of ['leave-1', 'leave-2', undefined]) {
      await expect(
        sendMessage(h.ctx, leaver, { chatId, content: 'bye', tempId }),
      ).rejects.toMatchObject({ code: 'not_found' });
    }
    expect(await h.database.db.message.count({ where: { chatId } })).toBe(1);
  });

  it('answers 404 in a deleted chat', async () => {
    const chatId = await group(users.slice(0, 2));
    await h.database.db.chat.update({ where: { id: chatId }, data: { deletedAt: new Date() } });
    await expect(
      sendMessage(h.ctx, { userId: users[0]!.id }, { chatId, content: 'anyone?' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await h.database.db.message.count({ where: { chatId } })).toBe(0);
  });

  it('accepts a reply to a message of the same chat only', async () => {
    const chatId = await group(users.slice(0, 2));
    const otherChat = await group(users.slice(0, 2));
    const actor = { userId: users[0]!.id };
    const original = await sendMessage(h.ctx, actor, { chatId, content: 'question' });
    const reply = await sendMessage(h.ctx, actor, {
      chatId,
      content: 'answer',
      replyToId: original.message.id,
    });
    expect(reply.message.reply_to_id).toBe(original.message.id);
    await expect(
      sendMessage(h.ctx, actor, {
        chatId: otherChat,
        content: 'x',
        replyToId: original.message.id,
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('answers 429 with a retry delay once the sender exceeds the rate limit', async () => {
    const chatId = await group(users.slice(0, 2));
    const { createMemoryRateLimiter } = await import('@kelisim/testing');
    const ctx = { ...h.ctx, sendRateLimiter: createMemoryRateLimiter(2, 60) };
    const actor = { userId: users[1]!.id };
    await sendMessage(ctx, actor, { chatId, content: '1' });
    await sendMessage(ctx, actor, { chatId, content: '2' });
    await expect(sendMessage(ctx, actor, { chatId, content: '3' })).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: expect.any(Number) },
    });
  });

  it('answers a retry of a stored temp_id with the original even over the rate limit', async () => {
    const chatId = await group(users.slice(0, 2));
    const { createMemoryRateLimiter } = await import('@kelisim/testing');
    const ctx = { ...h.ctx, sendRateLimiter: createMemoryRateLimiter(1, 60) };
    const actor = { userId: users[1]!.id };
    const first = await sendMessage(ctx, actor, { chatId, content: 'once', tempId: 'limit-1' });
    const retry = await sendMessage(ctx, actor, { chatId, content: 'once', tempId: 'limit-1' });
    expect(retry).toEqual({ message: first.message, created: false });
    await expect(
      sendMessage(ctx, actor, { chatId, content: 'twice', tempId: 'limit-2' }),
    ).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
