import type { UnreadCounts } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import type { Actor, DomainContext } from '../context.js';
import { toUnreadCounts } from '../resources.js';

/** Reads the stored per-chat counters: no scan of message history. */
export function getUnreadCounts(ctx: DomainContext, actor: Actor): Promise<UnreadCounts> {
  return unreadCountsOf(ctx.db, actor.userId);
}

export async function unreadCountsOf(db: Db, userId: number): Promise<UnreadCounts> {
  const rows = await db.participant.findMany({
    where: { userId, chat: { deletedAt: null } },
    select: { chatId: true, unreadCount: true },
    orderBy: { chatId: 'asc' },
  });
  return toUnreadCounts(rows);
}
