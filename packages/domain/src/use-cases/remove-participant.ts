import { AppError } from '@kelisim/contracts';
import { requireGroupManager, requireMembership, type Membership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { inTransaction, type Tx } from '../transactions.js';

/**
 * An owner or admin removes someone from a group, or a participant leaves it. Admins cannot
 * remove the owner. When the owner leaves, the longest-standing admin (else member) takes over.
 */
export async function removeParticipant(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  userId: number,
): Promise<void> {
  const membership = await requireMembership(ctx.db, chatId, actor.userId);
  const leaving = userId === actor.userId;
  if (membership.chat.type === 'direct') {
    throw new AppError('forbidden', 'The participants of a direct chat cannot be changed.');
  }
  const target = leaving ? membership : await findTarget(ctx, chatId, userId);
  if (!leaving) {
    requireGroupManager(membership);
    if (target.role === 'owner' || (target.role === 'admin' && membership.role !== 'owner')) {
      throw new AppError('forbidden', 'Only the owner can remove an admin, and nobody the owner.');
    }
  }

  await inTransaction(ctx.db, async (tx) => {
    await tx.participant.delete({ where: { id: target.id } });
    if (target.role === 'owner') await handOverOwnership(tx, chatId);
  });

  ctx.events.publish({ chatIds: [chatId], userIds: [userId] }, 'participant_removed', {
    chat_id: chatId,
    user_id: userId,
  });
  ctx.events.leaveChat([userId], chatId);
  ctx.jobs.pushUnreadCounts({ userIds: [userId] });
}

async function findTarget(ctx: DomainContext, chatId: number, userId: number): Promise<Membership> {
  const target = await ctx.db.participant.findFirst({
    where: { chatId, userId },
    include: { chat: true },
  });
  if (!target) throw new AppError('not_found', 'That user is not a participant of this chat.');
  return target;
}

async function handOverOwnership(tx: Tx, chatId: number): Promise<void> {
  const heir = await tx.participant.findFirst({
    where: { chatId },
    orderBy: [{ role: 'asc' }, { id: 'asc' }],
  });
  if (heir) await tx.participant.update({ where: { id: heir.id }, data: { role: 'owner' } });
}
