import type { ReadState } from '@kelisim/contracts';
import type { Actor, DomainContext } from './context.js';
import { inTransaction } from './transactions.js';
import { unreadCountsOf } from './use-cases/get-unread-counts.js';

/**
 * Moves my read cursor forward to `seq` (never backwards) and stores my exact unread count.
 * The participant row is locked first, so a concurrent send's increment lands after our count.
 */
export async function advanceReadCursor(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  seq: number,
): Promise<ReadState> {
  const { lastReadSeq, unreadCount, moved } = await inTransaction(ctx.db, async (tx) => {
    const [row] = await tx.$queryRaw<{ id: bigint; last_read_seq: bigint }[]>`
      SELECT id, last_read_seq FROM participants
      WHERE chat_id = ${chatId} AND user_id = ${actor.userId} FOR UPDATE`;
    const current = row!.last_read_seq;
    const target = BigInt(seq) > current ? BigInt(seq) : current;
    const unread = await tx.message.count({
      where: { chatId, seq: { gt: target }, senderId: { not: actor.userId }, deletedAt: null },
    });
    await tx.participant.update({
      where: { id: row!.id },
      data: { lastReadSeq: target, unreadCount: unread },
    });
    return { lastReadSeq: Number(target), unreadCount: unread, moved: target > current };
  });

  if (moved) {
    ctx.events.publish({ chatIds: [chatId] }, 'message_read', {
      chat_id: chatId,
      user_id: actor.userId,
      last_read_seq: lastReadSeq,
    });
    ctx.events.publish(
      { userIds: [actor.userId] },
      'unread_count',
      await unreadCountsOf(ctx.db, actor.userId),
    );
  }
  return { chat_id: chatId, last_read_seq: lastReadSeq, unread_count: unreadCount };
}
