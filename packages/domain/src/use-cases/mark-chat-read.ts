import type { ReadState } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { advanceReadCursor } from '../read-cursor.js';

/** Marks the chat read up to `seq` (clamped to the latest message), or entirely. */
export async function markChatRead(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  seq?: number,
): Promise<ReadState> {
  const membership = await requireMembership(ctx.db, chatId, actor.userId);
  const latest = Number(membership.chat.lastSeq);
  return advanceReadCursor(ctx, actor, chatId, Math.min(seq ?? latest, latest));
}
