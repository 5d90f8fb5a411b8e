import type { ServerEvents } from '@kelisim/contracts';
import type { DomainContext } from '../context.js';
import { presenceAudience } from '../presence-audience.js';

type PresencePorts = Pick<DomainContext, 'db' | 'events' | 'jobs'>;

/**
 * Tells Laravel (the `presence.changed` webhook) and the user's presence audience (who shares a
 * chat with them, blocks excepted) that the user came online or went offline.
 */
async function announcePresence(ctx: PresencePorts, change: ServerEvents['presence']) {
  ctx.jobs.notifyLaravel('presence.changed', change);
  const audience = await presenceAudience(ctx.db, change.user_id);
  if (audience.length > 0) ctx.events.publish({ userIds: audience }, 'presence', change);
}

/** The user's first connection anywhere. */
export function announceOnline(ctx: PresencePorts, userId: number): Promise<void> {
  return announcePresence(ctx, { user_id: userId, status: 'online', last_seen_at: null });
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
