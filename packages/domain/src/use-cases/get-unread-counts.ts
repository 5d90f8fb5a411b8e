import type { UnreadCounts } from '@kelisim/contracts';
import { Prisma, type Db } from '@kelisim/db';
import type { Actor, DomainContext } from '../context.js';
import { toUnreadCounts, type ChatUnread } from '../resources.js';

/** Reads the stored per-chat counters, and counts mentions after the read cursor on an index. */
export async function getUnreadCounts(ctx: DomainContext, actor: Actor): Promise<UnreadCounts> {
  const counts = await unreadCountsOfUsers(ctx.db, [actor.userId]);
  return counts.get(actor.userId)!;
}

/** Each user's unread counts (as `GET /api/unread-count` answers them), in one query. */
export async function unreadCountsOfUsers(
  db: Db,
  userIds: number[],
): Promise<Map<number, UnreadCounts>> {
  const rows = await db.$queryRaw<
    {
      user_id: bigint;
      chat_id: bigint;
      unread_count: number;
      muted_until: Date | null;
      mentions: bigint;
    }[]
  >`
    SELECT p.user_id, p.chat_id, p.unread_count, p.muted_until,
      (SELECT COUNT(*) FROM message_mentions mm
       WHERE mm.user_id = p.user_id AND mm.chat_id = p.chat_id AND mm.seq > p.last_read_seq
      ) AS mentions
    FROM participants p JOIN chats c ON c.id = p.chat_id AND c.deleted_at IS NULL
    WHERE p.user_id IN (${Prisma.join(userIds)})
    ORDER BY p.user_id, p.chat_id`;
  const byUser = new Map(userIds.map((id) => [id, [] as ChatUnread[]]));
  for (const row of rows) {
    byUser.get(Number(row.user_id))!.push({
      chatId: row.chat_id,
      unreadCount: Number(row.unread_count),
      mentions: Number(row.mentions),
      mutedUntil: row.muted_until,
    });
  }
  return new Map([...byUser].map(([id, chats]) => [id, toUnreadCounts(chats)]));
}
