import type { MessageResource } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { toMessageResources } from '../message-resources.js';
import { messageInclude } from '../resources.js';

export interface MessagePageQuery {
  limit: number;
  /** Older page: messages with seq < before. */
  before?: number | undefined;
  /** Newer page (resume): messages with seq > after. */
  after?: number | undefined;
}

export interface MessagePage {
  /** Ascending by seq; deleted messages are included as tombstones so seq has no gaps. */
  messages: MessageResource[];
  /** More messages exist beyond this page in the direction asked (older, or newer for `after`). */
  hasMore: boolean;
}

export async function listMessages(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  query: MessagePageQuery,
): Promise<MessagePage> {
  await requireMembership(ctx.db, chatId, actor.userId);
  const forward = query.after !== undefined;
  const orderBy = { seq: forward ? 'asc' : 'desc' } as const;
  const take = query.limit + 1;
  const rows =
    forward || query.before === undefined
      ? await ctx.db.message.findMany({
          where: { chatId, seq: forward ? { gt: query.after } : undefined },
          include: messageInclude,
          orderBy,
          take,
        })
      : await ctx.db.message.findMany({
          where: { id: { in: await olderPageIds(ctx, chatId, query.before, take) } },
          include: messageInclude,
          orderBy,
        });
  const messages = rows.slice(0, query.limit);
  if (!forward) messages.reverse();
  return {
    messages: await toMessageResources(ctx, messages, actor.userId),
    hasMore: rows.length > query.limit,
  };
}

/**
 * The ids of an older page, from the (chat_id, seq) index alone: asked for whole rows of
 * `seq < before` newest first, MariaDB walks the chat back from its newest message to `before`,
 * thousands of rows.
 */
async function olderPageIds(
  ctx: DomainContext,
  chatId: number,
  before: number,
  take: number,
): Promise<bigint[]> {
  const rows = await ctx.db.message.findMany({
    where: { chatId, seq: { lt: before } },
    select: { id: true },
    orderBy: { seq: 'desc' },
    take,
  });
  return rows.map((row) => row.id);
}
