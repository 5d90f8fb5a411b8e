import { AppError, type BlockResource } from '@kelisim/contracts';
import { now, type Actor, type DomainContext } from '../context.js';
import { shareAChat } from '../presence-audience.js';
import { toBlockResource } from '../resources.js';
import { isUniqueViolation } from '../transactions.js';

export interface BlockOutcome {
  block: BlockResource;
  /** false when the user was already blocked. */
  created: boolean;
}

/**
 * Blocks a user: from now on they cannot add the actor to a group nor open a direct chat with
 * them, and neither sees the other's presence. Chats they already share are left as they are.
 * Each side that could see the other is told the other is offline, as a block hides presence.
 */
export async function blockUser(
  ctx: DomainContext,
  actor: Actor,
  userId: number,
): Promise<BlockOutcome> {
  if (userId === actor.userId) {
    throw AppError.validation({ id: ['You cannot block yourself.'] });
  }
  const user = await ctx.db.user.findUnique({
    where: { id: userId },
    select: { id: true, name: true },
  });
  if (!user) throw new AppError('not_found', 'User not found.');

  const key = { blockerId: actor.userId, blockedId: userId };
  const at = now();
  try {
    const block = await ctx.db.userBlock.create({
      data: { ...key, createdAt: at, updatedAt: at },
    });
    if (await shareAChat(ctx.db, actor.userId, userId)) hidePresence(ctx, actor.userId, userId);
    return { block: toBlockResource(block, user), created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await ctx.db.userBlock.findUniqueOrThrow({ where: { blockerId_blockedId: key } });
    return { block: toBlockResource(raced, user), created: false };
  }
}

function hidePresence(ctx: DomainContext, a: number, b: number): void {
  const offline = (userId: number) =>
    ({ user_id: userId, status: 'offline', last_seen_at: null }) as const;
  ctx.events.publish({ userIds: [a] }, 'presence', offline(b));
  ctx.events.publish({ userIds: [b] }, 'presence', offline(a));
}
