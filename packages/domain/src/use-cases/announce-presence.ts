import type { ServerEvents } from '@kelisim/contracts';
import type { DomainContext } from '../context.js';
import { presenceAudience } from '../presence-audience.js';

type PresencePorts = Pick<DomainContext, 'db' | 'events' | 'jobs'>;

/**
 * Tells Laravel (the `presence.changed` webhook) and the user's presence audience (who shares a
 * chat with them, blocks excepted) that the user came online or went offline.
 */
async function announcePresence(
  ctx: PresencePorts,
  change: ServerEvents['presence'],
  audience: Promise<number[]> = presenceAudience(ctx.db, change.user_id),
) {
  ctx.jobs.notifyLaravel('presence.changed', change);
  const userIds = await audience;
  if (userIds.length > 0) ctx.events.publish({ userIds }, 'presence', change);
}

/**
 * The user's first connection anywhere. A caller that has just read the user's presence
 * audience (`presenceAudience`) passes it along.
 */
export function announceOnline(
  ctx: PresencePorts,
  userId: number,
  audience?: Promise<number[]>,
): Promise<void> {
  return announcePresence(ctx, { user_id: userId, status: 'online', last_seen_at: null }, audience);
}

/** The user's last connection went, or their node stopped heartbeating. */
export function announceOffline(
  ctx: PresencePorts,
  userId: number,
  lastSeenAt: Date,
): Promise<void> {
  return announcePresence(ctx, {
    user_id: userId,
    status: 'offline',
    last_seen_at: lastSeenAt.toISOString(),
  });
}
