import type { DomainContext } from '../context.js';
import type { Audience } from '../ports.js';
import { unreadCountsOfUsers } from './get-unread-counts.js';

/** Users whose counters one query reads. */
const usersPerQuery = 1_000;

/**
 * Pushes the unread counts (as `GET /api/unread-count` answers them) to every socket of
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
    const counts = await unreadCountsOfUsers(ctx.db, userIds.slice(start, start + usersPerQuery));
    for (const [userId, unread] of counts) {
      ctx.events.publish({ userIds: [userId] }, 'unread_count', unread);
    }
  }
}
