import { AppError } from '@kelisim/contracts';
import type { Actor, DomainContext } from '../context.js';

/** Lifts the actor's block of a user; nothing to do when there is none. */
export async function unblockUser(ctx: DomainContext, actor: Actor, userId: number): Promise<void> {
  const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { id: true } });
  if (!user) throw new AppError('not_found', 'User not found.');
  await ctx.db.userBlock.deleteMany({ where: { blockerId: actor.userId, blockedId: userId } });
}
