import type { DomainContext } from '../context.js';
import { unreadCountsOf } from './get-unread-counts.js';

/** Pushes the user's stored unread counters to all their sockets, on every node. */
export async function pushUnreadCounts(ctx: DomainContext, userId: number): Promise<void> {
  ctx.events.publish({ userIds: [userId] }, 'unread_count', await unreadCountsOf(ctx.db, userId));
}

/** Queues a push of the stored unread counters to each participant of the chat. */
export async function pushChatUnreadCounts(ctx: DomainContext, chatId: number): Promise<void> {
  const participants = await ctx.db.participant.findMany({
    where: { chatId },
    select: { userId: true },
    orderBy: { userId: 'asc' },
  });
  ctx.jobs.pushUnreadCounts({ userIds: participants.map((p) => Number(p.userId)) });
}
