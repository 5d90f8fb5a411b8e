import { AppError, type ReadState } from '@kelisim/contracts';
import type { Actor, DomainContext } from './context.js';
import { inTransaction, type Tx } from './transactions.js';

export interface StoredUnread {
  lastReadSeq: number;
  /** The counter as it was stored before, and the exact value stored now. */
  previousUnread: number;
  unread: number;
  /** Whether the read cursor moved forward. */
  moved: boolean;
}

/**
 * Stores a participant's exact unread count, first moving the read cursor forward to `readUpTo`
 * (never backwards). The participant row is locked before counting, so a concurrent send's or
 * delete's change to the counter lands after our count instead of being overwritten by it.
 * Undefined when the user is not (or no longer) a participant.
 */
export async function storeExactUnread(
  tx: Tx,
  chatId: number,
  userId: number,
  readUpTo?: number,
): Promise<StoredUnread | undefined> {
  const [row] = await tx.$queryRaw<
    { id: bigint; last_read_seq: bigint; unread_count: number | bigint }[]
  >`
    SELECT id, last_read_seq, unread_count FROM participants
    WHERE chat_id = ${chatId} AND user_id = ${userId} FOR UPDATE`;
  if (!row) return undefined;
  const current = row.last_read_seq;
  const target = readUpTo !== undefined && BigInt(readUpTo) > current ? BigInt(readUpTo) : current;
  const unread = await tx.message.count({
    where: { chatId, seq: { gt: target }, senderId: { not: userId }, deletedAt: null },
  });
  const previousUnread = Number(row.unread_count);
  const moved = target > current;
  if (moved || unread !== previousUnread) {
    await tx.participant.update({
      where: { id: row.id },
      data: { lastReadSeq: target, unreadCount: unread },
    });
  }
  return { lastReadSeq: Number(target), previousUnread, unread, moved };
}

/**
 * Moves my read cursor forward to `seq` (never backwards) and stores my exact unread count.
 */
export async function advanceReadCursor(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  seq: number,
): Promise<ReadState> {
  const stored = await inTransaction(ctx.db, (tx) =>
    storeExactUnread(tx, chatId, actor.userId, seq),
  );
  if (!stored) throw new AppError('not_found', 'Chat not found.');
  const { lastReadSeq, previousUnread, unread, moved } = stored;

  if (moved) {
    ctx.jobs.recomputeUnread(chatId, [actor.userId]);
    ctx.events.publish({ chatIds: [chatId] }, 'message_read', {
      chat_id: chatId,
      user_id: actor.userId,
      last_read_seq: lastReadSeq,
    });
  }
  if (moved || unread !== previousUnread) ctx.jobs.pushUnreadCounts({ userIds: [actor.userId] });
  return { chat_id: chatId, last_read_seq: lastReadSeq, unread_count: unread };
}
