import { AppError, type MessageResource } from '@kelisim/contracts';
import { requireMessageOfMyChat } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { deletedMessageError, indexForSearch, validateContent } from '../message-content.js';
import { limitChatChanges } from '../rate-limits.js';
import { toMessageResourceFor } from '../message-resources.js';
import { messageInclude, type MessageRow } from '../resources.js';
import { inTransaction } from '../transactions.js';

/**
 * Replaces the text of the actor's own text message (not deleted, within the edit window) and
 * tells the chat (`message_updated`); its seq stays. The same text again changes nothing.
 */
export async function editMessage(
  ctx: DomainContext,
  actor: Actor,
  messageId: number,
  content: string,
): Promise<MessageResource> {
  validateContent(content, ctx.limits.messageMaxLength);
  const { message } = await requireMessageOfMyChat(ctx, messageId, actor.userId);
  requireEditable(message, actor, ctx.limits.editWindowSeconds ?? 0);
  if (message.content === content) return toMessageResourceFor(ctx, message, actor.userId);

  await limitChatChanges(ctx, actor);
  const at = now();
  const count = await inTransaction(ctx.db, async (tx) => {
    const { count } = await tx.message.updateMany({
      where: { id: message.id, deletedAt: null, content: { not: content } },
      data: { content, editedAt: at, updatedAt: at },
    });
    if (count === 1) await indexForSearch(tx, [message.id]);
    return count;
  });
  const row = await ctx.db.message.findUniqueOrThrow({
    where: { id: message.id },
    include: messageInclude,
  });
  if (row.deletedAt !== null) throw deletedMessageError();
  if (count === 1) {
    ctx.events.publish({ chatIds: [Number(row.chatId)] }, 'message_updated', {
      message: await toMessageResourceFor(ctx, row, null),
    });
  }
  return toMessageResourceFor(ctx, row, actor.userId);
}

function requireEditable(message: MessageRow, actor: Actor, windowSeconds: number): void {
  if (Number(message.senderId) !== actor.userId) {
    throw new AppError('forbidden', 'You can only edit your own messages.');
  }
  if (message.deletedAt !== null) throw deletedMessageError();
  if (message.type !== 'text') {
    throw new AppError('forbidden', 'Only text messages can be edited.');
  }
  const sentAt = message.createdAt?.getTime() ?? 0;
  if (windowSeconds > 0 && Date.now() - sentAt > windowSeconds * 1000) {
    throw new AppError(
      'forbidden',
      `Messages can only be edited within ${windowSeconds} seconds of sending.`,
    );
  }
}
