import { requireMessageOfMyChat } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { toMessageResources } from '../message-resources.js';
import { messageInclude } from '../resources.js';
import type { MessagePage } from './list-messages.js';

/**
 * A message's thread: the messages that reply to it, ascending by seq, deleted ones as
 * tombstones; `after` pages on from the last seq held.
 */
export async function listReplies(
  ctx: DomainContext,
  actor: Actor,
  messageId: number,
  query: { limit: number; after?: number | undefined },
): Promise<MessagePage> {
  const { message } = await requireMessageOfMyChat(ctx, messageId, actor.userId);
  const rows = await ctx.db.message.findMany({
    where: {
      chatId: message.chatId,
      replyToId: message.id,
      seq: query.after === undefined ? undefined : { gt: query.after },
    },
    include: messageInclude,
    orderBy: { seq: 'asc' },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  return {
    messages: await toMessageResources(ctx, page, actor.userId),
    hasMore: rows.length > query.limit,
  };
}
