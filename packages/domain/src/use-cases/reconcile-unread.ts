import type { DomainContext } from '../context.js';
import { recomputeUnread } from './recompute-unread.js';

export interface ReconcileResult {
  /** Unread counters that differed from the exact count and were corrected. */
  corrected: number;
  /** Uploads stuck in `processing` whose processing was queued again. */
  requeuedFiles: number;
}

/**
 * The periodic safety net: finds participants whose stored unread counter differs from the exact
 * count (a lost recompute, a counter clamped at zero, a manual edit) and corrects them, and queues
 * again uploads whose processing job was never queued or got lost. At most `limit` of each per run.
 */
export async function reconcileUnread(
  ctx: DomainContext,
  options: { limit: number },
): Promise<ReconcileResult> {
  const drifted = await ctx.db.$queryRaw<{ chat_id: bigint; user_id: bigint }[]>`
    SELECT p.chat_id, p.user_id FROM participants p
    WHERE p.unread_count <> (
      SELECT COUNT(*) FROM messages m
      WHERE m.chat_id = p.chat_id AND m.seq > p.last_read_seq
        AND m.sender_id <> p.user_id AND m.deleted_at IS NULL)
    ORDER BY p.chat_id, p.user_id
    LIMIT ${options.limit}`;
  const usersByChat = new Map<number, number[]>();
  for (const row of drifted) {
    const chatId = Number(row.chat_id);
    usersByChat.set(chatId, [...(usersByChat.get(chatId) ?? []), Number(row.user_id)]);
  }
  let corrected = 0;
  for (const [chatId, userIds] of usersByChat) {
    // Rechecked under the row lock: a counter seen mid-send is left as it is.
    corrected += (await recomputeUnread(ctx, chatId, userIds)).length;
  }

  const stuck = await ctx.db.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM chat_files
    WHERE status = 'processing' AND deleted_at IS NULL
      AND updated_at < NOW() - INTERVAL 5 MINUTE
    ORDER BY id
    LIMIT ${options.limit}`;
  for (const { id } of stuck) await ctx.jobs.processFile(Number(id));

  return { corrected, requeuedFiles: stuck.length };
}
