import { AppError, PINS_PER_CHAT_MAX, type MessageResource } from '@kelisim/contracts';
import { isManager, requireMessageOfMyChat, type Membership } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { deletedMessageError } from '../message-content.js';
import { toMessageResourceFor } from '../message-resources.js';
import { messageInclude } from '../resources.js';
import { inTransaction } from '../transactions.js';

/**
 * Pins (`pinned`) or unpins a message of the chat: a group's owner or admins, either side of a
 * direct chat. A chat holds at most PINS_PER_CHAT_MAX pins; repeating either act changes nothing
 * and tells no one.
 */
export async function pinMessage(
  ctx: DomainContext,
  actor: Actor,
  messageId: number,
  pinned: boolean,
): Promise<MessageResource> {
  const { message, membership } = await requireMessageOfMyChat(ctx, messageId, actor.userId);
  requirePinner(membership);
  if (pinned && message.deletedAt !== null) throw deletedMessageError();

  const changed = await inTransaction(ctx.db, async (tx) => {
    if (!pinned) {
      const { count } = await tx.message.updateMany({
        where: { id: message.id, pinnedAt: { not: null } },
        data: { pinnedAt: null, pinnedBy: null },
      });
      return count === 1;
    }
    // The chat's lock orders pins, so the cap holds under races.
    await tx.$queryRaw`SELECT id FROM chats WHERE id = ${message.chatId} FOR UPDATE`;
    const pins = await tx.message.count({
      where: { chatId: message.chatId, pinnedAt: { not: null } },
    });
    const { count } = await tx.message.updateMany({
      where: { id: message.id, pinnedAt: null, deletedAt: null },
      data: { pinnedAt: now(), pinnedBy: actor.userId },
    });
    if (count === 1 && pins >= PINS_PER_CHAT_MAX) {
      throw AppError.validation({
        message_id: [`A chat can have at most ${PINS_PER_CHAT_MAX} pinned messages.`],
      });
    }
    return count === 1;
  });

  const row = await ctx.db.message.findUniqueOrThrow({
    where: { id: message.id },
    include: messageInclude,
  });
  const chatId = Number(row.chatId);
  if (changed && pinned) {
    const pushed = await toMessageResourceFor(ctx, row, null);
    ctx.events.publish({ chatIds: [chatId] }, 'message_pinned', {
      chat_id: chatId,
      message: pushed,
    });
  } else if (changed) {
    ctx.events.publish({ chatIds: [chatId] }, 'message_unpinned', {
      chat_id: chatId,
      message_id: Number(row.id),
    });
  }
  return toMessageResourceFor(ctx, row, actor.userId);
}

function requirePinner(membership: Membership): void {
  if (membership.chat.type === 'group' && !isManager(membership)) {
    throw new AppError('forbidden', 'Only the owner or an admin can pin messages in a group.');
  }
}
