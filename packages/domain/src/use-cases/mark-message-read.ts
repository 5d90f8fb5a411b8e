import { AppError, type ReadState } from '@kelisim/contracts';
import { findMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { advanceReadCursor } from '../read-cursor.js';

/** Marks one message read: my cursor advances to its seq if it is ahead. */
export async function markMessageRead(
  ctx: DomainContext,
  actor: Actor,
  messageId: number,
): Promise<ReadState> {
  const message = await ctx.db.message.findUnique({
    where: { id: messageId },
    select: { chatId: true, seq: true },
  });
  const chatId = message ? Number(message.chatId) : 0;
  if (!message || !(await findMembership(ctx.db, chatId, actor.userId))) {
    throw new AppError('not_found', 'Message not found.');
  }
  return advanceReadCursor(ctx, actor, chatId, Number(message.seq));
}
