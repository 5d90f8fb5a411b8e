import type { UnreadCounts } from '@kelisim/contracts';
import { Prisma } from '@kelisim/db';
import type { DomainContext } from '../context.js';
import type { Audience } from '../ports.js';
import { toUnreadCounts } from '../resources.js';

/** Users whose counters one query reads. */
const usersPerQuery = 1_000;

/**
 * Pushes the stored unread counters (as `GET /api/unread-count` answers them) to every socket of
 * the users and of the chats' participants, on every node: one query per thousand users.
 */
export async function pushUnreadCounts(ctx: DomainContext, audience: Audience): Promise<void> {
  const users = new Set(audience.userIds);
  if (audience.chatIds?.length) {
    const participants = await ctx.db.participant.findMany({
      where: { chatId: { in: audience.chatIds } },
      select: { userId: true },
    });
    participants.forEach((p) => users.add(Number(p.userId)));
  }
  const userIds = [...users];
  for (let start = 0; start < userIds.length; start += usersPerQuery) {
    const counts = await unreadCountsOfUsers(ctx, userIds.slice(start, start + usersPerQuery));
    for (const [userId, unread] of counts) {
      ctx.events.publish({ userIds: [userId] }, 'unread_count', unread);
    }
  }
}

async function unreadCountsOfUsers(
  ctx: DomainContext,
  userIds: number[],
): Promise<Map<number, UnreadCounts>> {
  const rows = await ctx.db.$queryRaw<{ user_id: bigint; chat_id: bigint; unread_count: number }[]>`
    SELECT p.user_id, p.chat_id, p.unread_count
    FROM participants p JOIN chats c ON c.id = p.chat_id AND c.deleted_at IS NULL
    WHERE p.user_id IN (${Prisma.join(userIds)})
    ORDER BY p.user_id, p.chat_id`;
  const byUser = new Map(
    userIds.map((id) => [id, [] as { chatId: bigint; unreadCount: number }[]]),
  );
  for (const row of rows) {
    byUser
      .get(Number(row.user_id))!
      .push({ chatId: row.chat_id, unreadCount: Number(row.unread_count) });
  }
  return new Map([...byUser].map(([id, chats]) => [id, toUnreadCounts(chats)]));
}
