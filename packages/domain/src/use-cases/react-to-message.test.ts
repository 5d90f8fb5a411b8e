import { describe, expect, it } from 'vitest';
import { REACTION_EMOJI_PER_MESSAGE_MAX } from '@kelisim/contracts';
import { createGroup, useDomainHarness } from '../test-context.js';
import { deleteMessage } from './delete-message.js';
import { listMessages } from './list-messages.js';
import { reactToMessage } from './react-to-message.js';
import { sendMessage } from './send-message.js';
import { syncChats } from './sync-chats.js';

const h = useDomainHarness('react', 4, 'Reactor');
const [ann, bob, cyd, dan] = h.actors;

async function messageIn(chatId: number) {
  const { message } = await sendMessage(h.ctx, ann!, { chatId, content: 'react to me' });
  return message;
}

const emojiPool = [...'😀😂😍🤔😢😡🎉🔥👀🙏🚀✅💯🍕🐱🐶🌧🌈🍉🎸🏀🎲🧩🪁'];

describe('reactToMessage', () => {
  it('counts reactions per emoji, marks mine, tells the chat, and ignores repeats', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!, cyd!);
    const message = await messageIn(chatId);
    h.publisher.clear();

    const afterBob = await reactToMessage(h.ctx, bob!, message.id, '👍', true);
    expect(afterBob.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
    await reactToMessage(h.ctx, cyd!, message.id, '👍', true);
    await reactToMessage(h.ctx, cyd!, message.id, '🎉', true);
    const repeat = await reactToMessage(h.ctx, cyd!, message.id, '🎉', true);
    expect(repeat.reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: true },
    ]);
    const seenByAnn = await listMessages(h.ctx, ann!, chatId, { limit: 10 });
    expect(seenByAnn.messages[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: '🎉', count: 1, me: false },
    ]);

    const removed = await reactToMessage(h.ctx, bob!, message.id, '👍', false);
    expect(removed.reactions).toEqual([
      { emoji: '👍', count: 1, me: false },
      { emoji: '🎉', count: 1, me: false },
    ]);
    await reactToMessage(h.ctx, bob!, message.id, '👍', false);

    const change = (user_id: number, emoji: string, count: number) => ({
      chat_id: chatId,
      message_id: message.id,
      emoji,
      user_id,
      count,
    });
    expect(h.publisher.events.map((e) => [e.event, e.payload])).toEqual([
      ['reaction_added', change(bob!.userId, '👍', 1)],
      ['reaction_added', change(cyd!.userId, '👍', 2)],
      ['reaction_added', change(cyd!.userId, '🎉', 1)],
      ['reaction_removed', change(bob!.userId, '👍', 1)],
    ]);
    expect(h.publisher.events.every((e) => e.audience.chatIds?.[0] === chatId)).toBe(true);

    const synced = await syncChats(h.ctx, cyd!, {
      chats: [{ chatId, afterSeq: 0 }],
      limitPerChat: 10,
    });
    expect(synced.chats[0]!.messages[0]!.reactions).toEqual([
      { emoji: '👍', count: 1, me: true },
      { emoji: '🎉', count: 1, me: true },
    ]);
  });

  it('keeps emoji apart that the Unicode collation takes for equal', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const message = await messageIn(chatId);
    await reactToMessage(h.ctx, bob!, message.id, '👍', true);
    await reactToMessage(h.ctx, bob!, message.id, '👍🏽', true);
    const both = await reactToMessage(h.ctx, bob!, message.id, '👍🏿', true);
    expect(both.reactions.map((r) => [r.emoji, r.count])).toEqual([
      ['👍', 1],
      ['👍🏽', 1],
      ['👍🏿', 1],
    ]);
  });

  it(`allows ${REACTION_EMOJI_PER_MESSAGE_MAX} distinct emoji per message, also under concurrent reactions`, async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!, cyd!);
    const message = await messageIn(chatId);
    const tries = emojiPool.map((emoji, i) =>
      reactToMessage(h.ctx, [ann!, bob!, cyd!][i % 3]!, message.id, emoji, true),
    );
    const outcomes = await Promise.allSettled(tries);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.length - refused.length).toBe(REACTION_EMOJI_PER_MESSAGE_MAX);
    for (const failure of refused) {
      expect(failure.reason).toMatchObject({ code: 'validation_failed' });
    }
    // Joining an emoji that is already there is still fine.
    const stored = await h.database.db.messageReaction.findFirstOrThrow({
      where: { messageId: message.id },
    });
    const byAnn = await reactToMessage(h.ctx, ann!, message.id, stored.emoji, true);
    expect(byAnn.reactions).toHaveLength(REACTION_EMOJI_PER_MESSAGE_MAX);
  });

  it('refuses non-participants and deleted messages; a deleted message shows no reactions', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const message = await messageIn(chatId);
    await expect(reactToMessage(h.ctx, dan!, message.id, '👍', true)).rejects.toMatchObject({
      code: 'not_found',
    });
    await reactToMessage(h.ctx, bob!, message.id, '👍', true);
    await deleteMessage(h.ctx, ann!, message.id);
    await expect(reactToMessage(h.ctx, bob!, message.id, '🎉', true)).rejects.toMatchObject({
      code: 'validation_failed',
      message: 'The message was deleted.',
    });
    const page = await listMessages(h.ctx, bob!, chatId, { limit: 10 });
    expect(page.messages[0]!.reactions).toEqual([]);
  });
});
