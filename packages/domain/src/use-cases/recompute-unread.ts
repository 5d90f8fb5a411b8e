import type { DomainContext } from '../context.js';
import { storeExactUnread } from '../read-cursor.js';
import { inTransaction } from '../transactions.js';

/** A stored unread counter that differed from the exact count, and what it was set to. */
export interface UnreadCorrection {
  chatId: number;
  userId: number;
  from: number;
  to: number;
}

/**
 * Recounts the unread messages of the chat's participants (or only `userIds`) from the messages
 * table, stores the exact values and queues an `unread_count` push to every user whose counter
 * changed. Idempotent: a second run finds nothing to correct and pushes nothing.
 */
export async function recomputeUnread(
  ctx: DomainContext,
  chatId: number,
  userIds?: number[],
): Promise<UnreadCorrection[]> {
  const participants = await ctx.db.participant.findMany({
    where: { chatId, ...(userIds ? { userId: { in: userIds } } : {}) },
    select: { userId: true },
    orderBy: { userId: 'asc' },
  });
  const corrections: UnreadCorrection[] = [];
  for (const { userId } of participants) {
    // One short transaction per participant: only its row is locked, never several at once.
    const stored = await inTransaction(ctx.db, (tx) =>
      storeExactUnread(tx, chatId, Number(userId)),
    );
    if (stored && stored.unread !== stored.previousUnread) {
      corrections.push({
        chatId,
        userId: Number(userId),
        from: stored.previousUnread,
        to: stored.unread,
      });
    }
  }
  if (corrections.length > 0) {
    ctx.jobs.pushUnreadCounts({ userIds: corrections.map((c) => c.userId) });
  }
  return corrections;
}
