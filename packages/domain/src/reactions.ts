import type { ReactionSummary } from '@kelisim/contracts';
import { Prisma } from '@kelisim/db';
import type { DomainContext } from './context.js';
import { toMessageResource, type MessageRow } from './resources.js';
import type { Tx } from './transactions.js';

/**
 * The reactions of these messages as `viewerId` sees them, by message id, in one query: per emoji
 * its count and whether the viewer is among its users, in the order each emoji was first used.
 */
export async function reactionsOf(
  db: DomainContext['db'] | Tx,
  messageIds: number[],
  viewerId: number,
): Promise<Map<number, ReactionSummary[]>> {
  const byMessage = new Map<number, ReactionSummary[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db.$queryRaw<
    { message_id: bigint; emoji: string; count: bigint; me: bigint | number | null }[]
  >`
    SELECT message_id, emoji, COUNT(*) AS count, MAX(user_id = ${viewerId}) AS me
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

/** Message resources with their reactions as the viewer sees them. */
export async function toMessageResourcesFor(
  ctx: DomainContext,
  viewerId: number,
  rows: MessageRow[],
) {
  const reactions = await reactionsOf(
    ctx.db,
    rows.filter((row) => row.deletedAt === null).map((row) => Number(row.id)),
    viewerId,
  );
  return rows.map((row) =>
    toMessageResource(row, ctx.fileLinks, reactions.get(Number(row.id)) ?? []),
  );
}

/** One message resource with its reactions as the viewer sees them. */
export async function toMessageResourceFor(ctx: DomainContext, viewerId: number, row: MessageRow) {
  const [resource] = await toMessageResourcesFor(ctx, viewerId, [row]);
  return resource!;
}
