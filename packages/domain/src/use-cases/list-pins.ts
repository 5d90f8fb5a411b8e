import type { MessageResource } from '@kelisim/contracts';
import { PINS_PER_CHAT_MAX } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { toMessageResources } from '../message-resources.js';
import { messageInclude } from '../resources.js';

/** The chat's pinned messages, most recently pinned first. */
export async function listPins(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
): Promise<MessageResource[]> {
  // The membership check and the read go out together; a non-participant gets 404 all the same.
  const [, rows] = await Promise.all([
    requireMembership(ctx.db, chatId, actor.userId),
    ctx.db.message.findMany({
      where: { chatId, pinnedAt: { not: null }, deletedAt: null },
      include: messageInclude,
      orderBy: [{ pinnedAt: 'desc' }, { id: 'desc' }],
      take: PINS_PER_CHAT_MAX,
    }),
  ]);
  return toMessageResources(ctx, rows, actor.userId);
}
