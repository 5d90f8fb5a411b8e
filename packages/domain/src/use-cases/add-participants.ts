import type { AddParticipantsBody, ParticipantResource } from '@kelisim/contracts';
import {
  requireAddableUsers,
  requireGroupManager,
  requireGroupSize,
  requireMembership,
} from '../access.js';
import { loadChatResourceFor } from '../chat-views.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { limitParticipantAdds } from '../rate-limits.js';
import { toParticipantResource } from '../resources.js';
import { inTransaction } from '../transactions.js';

/**
 * Adds users to a group. Users already in it are left as they are. A newcomer's read cursor
 * starts at the chat's latest message: history is readable but not counted as unread. The group
 * may not grow beyond `groupMaxMembers`.
 */
export async function addParticipants(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  input: AddParticipantsBody,
): Promise<ParticipantResource[]> {
  const membership = await requireMembership(ctx.db, chatId, actor.userId);
  requireGroupManager(membership);
  const userIds = [...new Set(input.user_ids)];
  await limitParticipantAdds(ctx, actor, userIds.length);
  await requireAddableUsers(ctx.db, actor.userId, userIds, 'user_ids');

  const added = await inTransaction(ctx.db, async (tx) => {
    // Locks the chat row so no message slips between reading last_seq and the insert.
    const [chat] = await tx.$queryRaw<{ last_seq: bigint }[]>`
      SELECT last_seq FROM chats WHERE id = ${chatId} FOR UPDATE`;
    const present = await tx.participant.findMany({
      where: { chatId, userId: { in: userIds } },
      select: { userId: true },
    });
    const presentIds = new Set(present.map((p) => Number(p.userId)));
    const newcomers = userIds.filter((id) => !presentIds.has(id));
    const members = await tx.participant.count({ where: { chatId } });
    requireGroupSize(members + newcomers.length, ctx.limits.groupMaxMembers, 'user_ids');
    const at = now();
    await tx.participant.createMany({
      data: newcomers.map((userId) => ({
        chatId,
        userId,
        role: 'member' as const,
        lastReadSeq: chat!.last_seq,
        createdAt: at,
        updatedAt: at,
      })),
    });
    return tx.participant.findMany({
      where: { chatId, userId: { in: newcomers } },
      include: { user: { select: { id: true, name: true } } },
      orderBy: { id: 'asc' },
    });
  });

  const addedIds = added.map((p) => Number(p.userId));
  if (addedIds.length > 0) {
    ctx.jobs.recomputeUnread(chatId, addedIds);
    ctx.jobs.pushUnreadCounts({ userIds: addedIds });
    ctx.events.joinChat(addedIds, chatId);
    for (const userId of addedIds) {
      ctx.events.publish({ chatIds: [chatId] }, 'participant_added', {
        chat_id: chatId,
        user_id: userId,
      });
      ctx.events.publish({ userIds: [userId] }, 'chat_created', {
        chat: await loadChatResourceFor(ctx, membership.chat, userId),
      });
    }
  }
  return added.map(toParticipantResource);
}
