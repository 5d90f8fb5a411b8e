import type { ChatSync } from '@kelisim/contracts';
import { Prisma } from '@kelisim/db';
import type { Actor, DomainContext } from '../context.js';
import { toMessageResources } from '../message-resources.js';
import { messageInclude } from '../resources.js';

export interface SyncChatsQuery {
  /** Distinct chats, each with the highest seq the client holds contiguously. */
  chats: { chatId: number; afterSeq: number }[];
  limitPerChat: number;
}

export interface SyncChatsResult {
  /** In the order asked, for the chats the actor takes part in. */
  chats: ChatSync[];
  /** Asked-for chats the actor takes no part in (or that were deleted). */
  notFound: number[];
}

/**
 * Resume of many chats at once: up to `limitPerChat` messages after each chat's `afterSeq`, in
 * four queries whatever the number of chats (membership, the ids of each chat's next messages
 * through the (chat_id, seq) index, those messages, their reactions).
 */
export async function syncChats(
  ctx: DomainContext,
  actor: Actor,
  query: SyncChatsQuery,
): Promise<SyncChatsResult> {
  const asked = query.chats.map((c) => c.chatId);
  const memberships = await ctx.db.participant.findMany({
    where: { userId: actor.userId, chatId: { in: asked }, chat: { deletedAt: null } },
    select: { chatId: true },
  });
  const member = new Set(memberships.map((m) => Number(m.chatId)));
  const chats = query.chats.filter((c) => member.has(c.chatId));
  const notFound = asked.filter((id) => !member.has(id));
  if (chats.length === 0) return { chats: [], notFound };

  const take = query.limitPerChat + 1;
  const next = await ctx.db.$queryRaw<{ id: bigint; chat_id: bigint }[]>`
    ${Prisma.join(
      chats.map(
        (c) => Prisma.sql`(SELECT id, chat_id FROM messages
          WHERE chat_id = ${c.chatId} AND seq > ${c.afterSeq} ORDER BY seq LIMIT ${take})`,
      ),
      ' UNION ALL ',
    )}`;
  const rows = next.length
    ? await ctx.db.message.findMany({
        where: { id: { in: next.map((row) => row.id) } },
        include: messageInclude,
        orderBy: [{ chatId: 'asc' }, { seq: 'asc' }],
      })
    : [];
  const byChat = new Map<number, ChatSync['messages']>();
  for (const message of await toMessageResources(ctx, rows, actor.userId)) {
    const list = byChat.get(message.chat_id) ?? [];
    list.push(message);
    byChat.set(message.chat_id, list);
  }
  return {
    chats: chats.map((c) => {
      const list = byChat.get(c.chatId) ?? [];
      return {
        chat_id: c.chatId,
        messages: list.slice(0, query.limitPerChat),
        has_more: list.length > query.limitPerChat,
      };
    }),
    notFound,
  };
}
