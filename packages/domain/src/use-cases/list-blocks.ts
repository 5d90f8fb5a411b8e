import type { BlockResource } from '@kelisim/contracts';
import type { Actor, DomainContext } from '../context.js';
import { toBlockResource } from '../resources.js';

/** The users the actor blocked, most recent first. */
export async function listBlocks(ctx: DomainContext, actor: Actor): Promise<BlockResource[]> {
  const blocks = await ctx.db.userBlock.findMany({
    where: { blockerId: actor.userId },
    include: { blocked: { select: { id: true, name: true } } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  return blocks.map((block) => toBlockResource(block, block.blocked));
}
