import type { ChatResource, MessageResource, UserSummary } from '@kelisim/contracts';
import { Prisma, type Chat, type Db, type Participant } from '@kelisim/db';
import type { DomainContext } from './context.js';
import { toMessageResources } from './message-resources.js';
import { messageInclude, toChatResource } from './resources.js';

/** How many participants a chat resource lists (the count covers all of them). */
export const participantsSummarySize = 10;

export type ViewerMembership = Pick<
  Participant,
  'userId' | 'role' | 'lastReadSeq' | 'unreadCount' | 'mutedUntil'
> & {
  chat: Chat;
};

/** Chat resources for one viewer each, loaded with a fixed number of queries whatever the page size. */
export async function loadChatResources(
  ctx: Pick<DomainContext, 'db' | 'fileLinks'>,
  memberships: ViewerMembership[],
): Promise<ChatResource[]> {
  if (memberships.length === 0) return [];
  const { db } = ctx;
  const chats = uniqueChats(memberships);
  const [lastMessages, counts, summaries, mentions] = await Promise.all([
    loadLastMessages(ctx, chats),
    loadParticipantCounts(db, chats),
    loadParticipantSummaries(db, chats),
    loadUnreadMentions(db, memberships),
  ]);
  return memberships.map((m) =>
    toChatResource({
      chat: m.chat,
      me: m,
      unreadMentions: mentions.get(`${m.userId}:${m.chat.id}`) ?? 0,
      lastMessage: lastMessages.get(m.chat.id) ?? null,
      participantsCount: counts.get(m.chat.id) ?? 0,
      participants: summaries.get(m.chat.id) ?? [],
    }),
  );
}

function uniqueChats(memberships: ViewerMembership[]): Chat[] {
  return [...new Map(memberships.map((m) => [m.chat.id, m.chat])).values()];
}

/** Each chat's last message, as pushed copies show it (reactions without `me`). */
async function loadLastMessages(
  ctx: Pick<DomainContext, 'db' | 'fileLinks'>,
  chats: Chat[],
): Promise<Map<bigint, MessageResource>> {
  const withMessages = chats.filter((c) => c.lastSeq > 0n);
  if (withMessages.length === 0) return new Map();
  const rows = await ctx.db.message.findMany({
    where: { OR: withMessages.map((c) => ({ chatId: c.id, seq: c.lastSeq })) },
    include: messageInclude,
  });
  const messages = await toMessageResources(ctx, rows, null);
  return new Map(messages.map((message) => [BigInt(message.chat_id), message]));
}

/** Mentions of each viewer after their read cursor, by `user:chat`. */
async function loadUnreadMentions(
  db: Db,
  memberships: ViewerMembership[],
): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ user_id: bigint; chat_id: bigint; mentions: bigint }[]>`
    SELECT user_id, chat_id, COUNT(*) AS mentions FROM message_mentions
    WHERE ${Prisma.join(
      memberships.map(
        (m) =>
          Prisma.sql`(user_id = ${m.userId} AND chat_id = ${m.chat.id} AND seq > ${m.lastReadSeq})`,
      ),
      ' OR ',
    )}
    GROUP BY user_id, chat_id`;
  return new Map(rows.map((row) => [`${row.user_id}:${row.chat_id}`, Number(row.mentions)]));
}

async function loadParticipantCounts(db: Db, chats: Chat[]): Promise<Map<bigint, number>> {
  const rows = await db.participant.groupBy({
    by: ['chatId'],
    where: { chatId: { in: chats.map((c) => c.id) } },
    _count: { _all: true },
  });
  return new Map(rows.map((row) => [row.chatId, row._count._all]));
}

async function loadParticipantSummaries(
  db: Db,
  chats: Chat[],
): Promise<Map<bigint, UserSummary[]>> {
  const rows = await db.$queryRaw<{ chat_id: bigint; id: bigint; name: string }[]>`
    SELECT chat_id, id, name FROM (
      SELECT p.chat_id, u.id, u.name,
             ROW_NUMBER() OVER (PARTITION BY p.chat_id ORDER BY p.id) AS position
      FROM participants p JOIN users u ON u.id = p.user_id
      WHERE p.chat_id IN (${Prisma.join(chats.map((c) => c.id))})
    ) ranked
    WHERE position <= ${participantsSummarySize}
    ORDER BY chat_id, position`;
  const summaries = new Map<bigint, UserSummary[]>();
  for (const row of rows) {
    const chatId = BigInt(row.chat_id);
    const list = summaries.get(chatId) ?? [];
    list.push({ id: Number(row.id), name: row.name });
    summaries.set(chatId, list);
  }
  return summaries;
}

/** One chat as `userId` sees it (they must be a participant). */
export async function loadChatResourceFor(
  ctx: Pick<DomainContext, 'db' | 'fileLinks'>,
  chat: Chat,
  userId: number,
): Promise<ChatResource> {
  const me = await ctx.db.participant.findUniqueOrThrow({
    where: { chatId_userId: { chatId: chat.id, userId } },
  });
  const [resource] = await loadChatResources(ctx, [{ ...me, chat }]);
  return resource!;
}
