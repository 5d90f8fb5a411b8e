import type { ChatSettings } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { iso } from '../resources.js';

/** The latest instant a TIMESTAMP column holds: "muted until I unmute" is stored as this. */
const latestTimestamp = new Date('2038-01-19T03:14:07Z');

/**
 * My settings for one chat: muted until `mutedUntil` (null unmutes). A muted chat keeps its
 * unread count but leaves my total; my other connections hear of the change.
 */
export async function updateChatSettings(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  settings: { mutedUntil: Date | null },
): Promise<ChatSettings> {
  await requireMembership(ctx.db, chatId, actor.userId);
  const mutedUntil = settings.mutedUntil && storable(settings.mutedUntil);
  await ctx.db.participant.update({
    where: { chatId_userId: { chatId, userId: actor.userId } },
    data: { mutedUntil, updatedAt: now() },
  });
  const result = { chat_id: chatId, muted_until: iso(mutedUntil) };
  ctx.events.publish({ userIds: [actor.userId] }, 'chat_settings', result);
  ctx.jobs.pushUnreadCounts({ userIds: [actor.userId] });
  return result;
}

/** Whole seconds, as TIMESTAMP(0) stores them, at most `latestTimestamp`; past is unmuted. */
function storable(at: Date): Date | null {
  if (at.getTime() <= Date.now()) return null;
  return new Date(Math.min(Math.floor(at.getTime() / 1000) * 1000, latestTimestamp.getTime()));
}
