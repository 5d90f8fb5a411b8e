import { AppError, type MessageResource } from '@kelisim/contracts';
import { findMembership, isManager } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { limitMessageDeletion } from '../rate-limits.js';
import { toMessageResourceFor } from '../message-resources.js';
import { messageInclude } from '../resources.js';
import { inTransaction } from '../transactions.js';

/**
 * Soft-deletes a message: its sender, or an owner/admin of the group. It stays in the history as
 * a tombstone (same seq) whose content is erased from the database; a file message's file is
 * marked deleted in the same transaction (gone from lists and downloads) and its stored bytes are
 * removed by the worker. Deleting it again is a no-op.
 */
export async function deleteMessage(
  ctx: DomainContext,
  actor: Actor,
  messageId: number,
): Promise<MessageResource> {
  await limitMessageDeletion(ctx, actor);
  const message = await ctx.db.message.findUnique({ where: { id: messageId } });
  const membership =
    message && (await findMembership(ctx.db, Number(message.chatId), actor.userId));
  if (!message || !membership) throw new AppError('not_found', 'Message not found.');
  const own = Number(message.senderId) === actor.userId;
  if (!own && !(membership.chat.type === 'group' && isManager(membership))) {
    throw new AppError('forbidden', 'You can only delete your own messages.');
  }

  const deletedNow = await inTransaction(ctx.db, async (tx) => {
    const at = now();
    const { count } = await tx.message.updateMany({
      where: { id: message.id, deletedAt: null },
      data: { deletedAt: at, content: null, pinnedAt: null, pinnedBy: null, updatedAt: at },
    });
    if (count === 0) return false;
    await tx.messageMention.deleteMany({ where: { messageId: message.id } });
    await tx.messageSearch.deleteMany({ where: { messageId: message.id } });
    if (message.fileId !== null) {
      await tx.chatFile.updateMany({
        where: { id: message.fileId, deletedAt: null },
        data: { deletedAt: at, caption: null, updatedAt: at },
      });
    }
    await tx.participant.updateMany({
      where: {
        chatId: message.chatId,
        userId: { not: message.senderId },
        lastReadSeq: { lt: message.seq },
        unreadCount: { gt: 0 },
      },
      data: { unreadCount: { decrement: 1 } },
    });
    return true;
  });

  const row = await ctx.db.message.findUniqueOrThrow({
    where: { id: message.id },
    include: messageInclude,
  });
  if (deletedNow) {
    if (message.fileId !== null) ctx.jobs.deleteFileObjects(Number(message.fileId));
    ctx.jobs.recomputeUnread(Number(message.chatId));
    ctx.jobs.pushUnreadCounts({ chatIds: [Number(message.chatId)] });
    ctx.events.publish({ chatIds: [Number(message.chatId)] }, 'message_deleted', {
      chat_id: Number(message.chatId),
      message_id: Number(message.id),
      seq: Number(message.seq),
    });
  }
  return toMessageResourceFor(ctx, row, actor.userId);
}
