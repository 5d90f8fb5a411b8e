import type { SearchHit } from '@kelisim/contracts';
import { Prisma } from '@kelisim/db';
import { requireParticipant } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { limitSearches } from '../rate-limits.js';
import { toMessageResources } from '../message-resources.js';
import { messageInclude } from '../resources.js';

export interface SearchQuery {
  q: string;
  chatId?: number | undefined;
  /** Only messages older than this id (the last hit of the previous page). */
  before?: number | undefined;
  limit: number;
}

export interface SearchPage {
  hits: SearchHit[];
  hasMore: boolean;
  /** The id to pass as `before` for the next page; null on the last one. */
  nextBefore: number | null;
}

/**
 * Messages that contain `q`, in the chats the actor takes part in (or one of them), newest first.
 *
 * A case-insensitive substring match (`LIKE` on the text in `message_search`, both sides lowercased
 * by the database, then compared byte for byte) over the messages of those chats, so it works alike for text without spaces (Chinese,
 * Japanese), emoji and mixed scripts. `message_search` is clustered by chat, so the cost is one
 * range read per chat, bounded by how many messages the actor's chats hold, not by the table.
 * Deleted messages and chats the actor left are excluded.
 */
export async function searchMessages(
  ctx: DomainContext,
  actor: Actor,
  query: SearchQuery,
): Promise<SearchPage> {
  await limitSearches(ctx, actor);
  const chatIds = await searchableChats(ctx, actor, query.chatId);
  if (chatIds.length === 0) return { hits: [], hasMore: false, nextBefore: null };

  // Left to itself the optimizer may walk the message_id index for the ORDER BY: every chat's rows.
  const found = await ctx.db.$queryRaw<{ message_id: bigint }[]>`
    SELECT message_id FROM message_search FORCE INDEX (PRIMARY)
    WHERE chat_id IN (${Prisma.join(chatIds)})
      ${query.before === undefined ? Prisma.empty : Prisma.sql`AND message_id < ${query.before}`}
      AND body LIKE LOWER(${`%${escapeLike(query.q)}%`})
    ORDER BY message_id DESC
    LIMIT ${query.limit + 1}`;
  const ids = found.slice(0, query.limit).map((row) => row.message_id);
  const rows = await ctx.db.message.findMany({
    where: { id: { in: ids } },
    include: messageInclude,
    orderBy: { id: 'desc' },
  });
  const messages = await toMessageResources(ctx, rows, actor.userId);
  const hasMore = found.length > query.limit;
  return {
    hits: messages.map((message) => ({
      message,
      matches: matchOffsets(message.content ?? '', query.q),
    })),
    hasMore,
    nextBefore: hasMore ? Number(ids.at(-1)) : null,
  };
}

async function searchableChats(
  ctx: DomainContext,
  actor: Actor,
  chatId: number | undefined,
): Promise<number[]> {
  if (chatId !== undefined) {
    await requireParticipant(ctx.db, chatId, actor.userId);
    return [chatId];
  }
  const memberships = await ctx.db.participant.findMany({
    where: { userId: actor.userId, chat: { deletedAt: null } },
    select: { chatId: true },
  });
  return memberships.map((m) => Number(m.chatId));
}

/** `%`, `_` and the escape character itself match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Where `q` occurs in `content`, in characters (code points), ignoring case.
 */
export function matchOffsets(content: string, q: string): { start: number; length: number }[] {
  const haystack = content.toLowerCase();
  const needle = q.toLowerCase();
  const length = [...q].length;
  const offsets: { start: number; length: number }[] = [];
  let codeUnits = 0;
  let codePoints = 0;
  for (
    let at = haystack.indexOf(needle);
    at !== -1;
    at = haystack.indexOf(needle, at + needle.length)
  ) {
    codePoints += [...content.slice(codeUnits, at)].length;
    codeUnits = at;
    offsets.push({ start: codePoints, length });
  }
  return offsets;
}
