import type { ServerEvents } from '@kelisim/contracts';
import type { Actor, DomainContext } from '../context.js';
import type { PresenceReader } from '../ports.js';
import { presenceAudience } from '../presence-audience.js';

/** Most users one snapshot names. */
export const PRESENCE_SNAPSHOT_MAX = 500;

/**
 * Who is online now among the users whose presence the actor may see (the same audience live
 * `presence` events follow): at most PRESENCE_SNAPSHOT_MAX, lowest ids first, in one Redis
 * round trip. A caller that has just read the actor's audience passes it along.
 */
export async function presenceSnapshot(
  ctx: DomainContext,
  presence: PresenceReader,
  actor: Actor,
  audience: Promise<number[]> = presenceAudience(ctx.db, actor.userId),
): Promise<ServerEvents['presence_snapshot']> {
  const online = await presence.onlineUsers(await audience);
  const users = [...online]
    .sort((a, b) => a - b)
    .slice(0, PRESENCE_SNAPSHOT_MAX)
    .map((userId) => ({ user_id: userId, status: 'online' as const, last_seen_at: null }));
  return { users };
}
