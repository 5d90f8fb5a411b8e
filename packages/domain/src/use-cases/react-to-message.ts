import { AppError, REACTION_EMOJI_PER_MESSAGE_MAX, type MessageResource } from '@kelisim/contracts';
import { requireMessageOfMyChat } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { deletedMessageError } from '../message-content.js';
import { limitChatChanges } from '../rate-limits.js';
import { toMessageResourceFor } from '../message-resources.js';
import { inTransaction } from '../transactions.js';

/**
 * Adds (`on`) or takes back the actor's reaction with `emoji` (one emoji, checked by the
 * contract) to a message of a chat they take part in, and tells the chat how many reactions
 * with that emoji the message has now. Repeating either changes nothing and tells no one.
 */
export async function reactToMessage(
  ctx: DomainContext,
  actor: Actor,
  messageId: number,
  emoji: string,
  on: boolean,
): Promise<MessageResource> {
  const { message } = await requireMessageOfMyChat(ctx, messageId, actor.userId);
  if (message.deletedAt !== null) throw deletedMessageError();
  await limitChatChanges(ctx, actor);
  const mine = { messageId: message.id, userId: BigInt(actor.userId), emoji };

  const count = await inTransaction(ctx.db, async (tx) => {
    // The message's lock orders reactions to it, so the distinct-emoji cap holds under races.
    const [locked] = await tx.$queryRaw<{ deleted_at: Date | null }[]>`
      SELECT deleted_at FROM messages WHERE id = ${message.id} FOR UPDATE`;
    if (locked?.deleted_at !== null) throw deletedMessageError();
    if (on) {
      const emojis = await tx.messageReaction.findMany({
        where: { messageId: message.id },
        distinct: ['emoji'],
        select: { emoji: true },
      });
      const known = emojis.some((row) => row.emoji === emoji);
      if (!known && emojis.length >= REACTION_EMOJI_PER_MESSAGE_MAX) {
        throw AppError.validation({
          emoji: [`A message can carry at most ${REACTION_EMOJI_PER_MESSAGE_MAX} different emoji.`],
        });
      }
      const at = now();
      const { count: added } = await tx.messageReaction.createMany({
        data: [{ ...mine, createdAt: at, updatedAt: at }],
        skipDuplicates: true,
      });
      if (added === 0) return null;
    } else {
      const { count: removed } = await tx.messageReaction.deleteMany({ where: mine });
      if (removed === 0) return null;
    }
    return tx.messageReaction.count({ where: { messageId: message.id, emoji } });
  });

  if (count !== null) {
    const chatId = Number(message.chatId);
    ctx.events.publish({ chatIds: [chatId] }, on ? 'reaction_added' : 'reaction_removed', {
      chat_id: chatId,
      message_id: Number(message.id),
      emoji,
      user_id: actor.userId,
      count,
    });
  }
  return toMessageResourceFor(ctx, message, actor.userId);
}
