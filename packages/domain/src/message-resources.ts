import type { MessageResource, ReactionSummary } from '@kelisim/contracts';
import { Prisma } from '@kelisim/db';
import type { DomainContext } from './context.js';
import { toMessageResource, type MessageRow } from './resources.js';
import type { Tx } from './transactions.js';

type Reader = Pick<DomainContext, 'db' | 'fileLinks'>;

/**
 * Message resources of stored rows, with what other rows say about them: their reactions (as
 * `viewerId` sees them; null for copies pushed to a whole chat, whose `me` is false) and their
 * live replies. Two queries whatever the number of rows.
 */
export async function toMessageResources(
  ctx: Reader,
  rows: MessageRow[],
  viewerId: number | null,
): Promise<MessageResource[]> {
  const live = rows.filter((row) => row.deletedAt === null).map((row) => Number(row.id));
  const [reactions, replyCounts] = await Promise.all([
    reactionsOf(ctx.db, live, viewerId),
    replyCountsOf(
      ctx.db,
      rows.map((row) => Number(row.id)),
    ),
  ]);
  return rows.map((row) =>
    toMessageResource(row, ctx.fileLinks, {
      reactions: reactions.get(Number(row.id)) ?? [],
      replyCount: replyCounts.get(Number(row.id)) ?? 0,
    }),
  );
}

export async function toMessageResourceFor(
  ctx: Reader,
  row: MessageRow,
  viewerId: number | null,
): Promise<MessageResource> {
  const [resource] = await toMessageResources(ctx, [row], viewerId);
  return resource!;
}

/**
 * The reactions of these messages by message id, in one query: per emoji its count and whether
 * the viewer is among its users, in the order each emoji was first used.
 */
async function reactionsOf(
  db: DomainContext['db'] | Tx,
  messageIds: number[],
  viewerId: number | null,
): Promise<Map<number, ReactionSummary[]>> {
  const byMessage = new Map<number, ReactionSummary[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db.$queryRaw<
    { message_id: bigint; emoji: string; count: bigint; me: bigint | number | null }[]
  >`
    SELECT message_id, emoji, COUNT(*) AS count, MAX(user_id = ${viewerId ?? 0}) AS me
    FROM message_reactions
    WHERE message_id IN (${Prisma.join(messageIds)})
    GROUP BY message_id, emoji
    ORDER BY message_id, MIN(id)`;
  for (const row of rows) {
    const list = byMessage.get(Number(row.message_id)) ?? [];
    list.push({ emoji: row.emoji, count: Number(row.count), me: Number(row.me) === 1 });
    byMessage.set(Number(row.message_id), list);
  }
  return byMessage;
}

/** Live replies per message, through the reply_to_id index. */
async function replyCountsOf(
  db: DomainContext['db'],
  messageIds: number[],
): Promise<Map<number, number>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ reply_to_id: bigint; replies: bigint }[]>`
    SELECT reply_to_id, COUNT(*) AS replies FROM messages
    WHERE reply_to_id IN (${Prisma.join(messageIds)}) AND deleted_at IS NULL
    GROUP BY reply_to_id`;
  return new Map(rows.map((row) => [Number(row.reply_to_id), Number(row.replies)]));
}
