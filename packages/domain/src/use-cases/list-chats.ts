import { AppError, type ChatResource, type ChatsQuery } from '@kelisim/contracts';
import type { Prisma } from '@kelisim/db';
import { loadChatResources } from '../chat-views.js';
import type { Actor, DomainContext } from '../context.js';

export interface ChatPage {
  chats: ChatResource[];
  nextCursor: string | null;
}

interface Cursor {
  at: string;
  id: string;
}

/** My chats, most recent activity first, paged by an opaque cursor. */
export async function listChats(
  ctx: DomainContext,
  actor: Actor,
  query: ChatsQuery,
): Promise<ChatPage> {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const memberships = await ctx.db.participant.findMany({
    where: { userId: actor.userId, chat: { deletedAt: null, ...(cursor && after(cursor)) } },
    include: { chat: true },
    orderBy: [{ chat: { lastActivityAt: 'desc' } }, { chatId: 'desc' }],
    take: query.limit + 1,
  });
  const page = memberships.slice(0, query.limit);
  const last = page.at(-1);
  return {
    chats: await loadChatResources(ctx, page),
    nextCursor:
      memberships.length > query.limit && last
        ? encodeCursor({ at: last.chat.lastActivityAt!.toISOString(), id: String(last.chatId) })
        : null,
  };
}

function after(cursor: Cursor): Prisma.ChatWhereInput {
  const at = new Date(cursor.at);
  return {
    OR: [{ lastActivityAt: { lt: at } }, { lastActivityAt: at, id: { lt: BigInt(cursor.id) } }],
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Partial<Cursor>;
    if (
      typeof parsed.at === 'string' &&
      !Number.isNaN(Date.parse(parsed.at)) &&
      typeof parsed.id === 'string' &&
      /^\d+$/.test(parsed.id)
    ) {
      return { at: parsed.at, id: parsed.id };
    }
  } catch {
    // fall through to the validation error
  }
  throw AppError.validation({ cursor: ['The cursor is invalid.'] });
}
