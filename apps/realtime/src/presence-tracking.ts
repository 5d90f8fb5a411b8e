import type { ServerEvents } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { presenceAudience, type EventPublisher, type JobQueue } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { Presence, PresenceChange } from '@kelisim/redis';
import type { ChatServer, ChatSocket } from './types.js';

/**
 * Keeps this node's sockets in the cluster-wide presence and tells the user's presence audience
 * (who shares a chat with them, blocks excepted) when they come online (first connection
 * anywhere) or go offline (last one, or their node stopped heartbeating).
 */
export function trackPresence(
  io: ChatServer,
  presence: Presence,
  db: Db,
  events: EventPublisher,
  jobs: JobQueue,
  ttlMs: number,
  logger: Logger,
) {
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const guarded = work.catch((error: unknown) =>
      logger.warn({ err: error }, 'presence update failed'),
    );
    pending.add(guarded);
    void guarded.finally(() => pending.delete(guarded));
  };

  const announce = async (change: ServerEvents['presence']) => {
    jobs.notifyLaravel('presence.changed', change);
    const audience = await presenceAudience(db, change.user_id);
    if (audience.length > 0) events.publish({ userIds: audience }, 'presence', change);
  };
  const announceOffline = (change: PresenceChange) =>
    announce({
      user_id: change.userId,
      status: 'offline',
      last_seen_at: change.lastSeenAt.toISOString(),
    });

  const heartbeat = setInterval(() => {
    const connections = [...io.of('/').sockets.values()].map((socket) => ({
      userId: socket.data.userId,
      connectionId: socket.id,
    }));
    if (connections.length > 0) track(presence.heartbeat(connections));
  }, ttlMs / 3);

  const sweep = setInterval(() => {
    track(
      presence.sweep().then(async (changes) => {
        for (const change of changes) await announceOffline(change);
      }),
    );
  }, ttlMs / 3);

  return {
    connected(socket: ChatSocket): void {
      const { userId } = socket.data;
      const connecting = presence.connect(userId, socket.id).then(async (first) => {
        if (first) await announce({ user_id: userId, status: 'online', last_seen_at: null });
      });
      track(connecting);
      socket.on('disconnecting', () => {
        track(
          connecting
            .catch(() => undefined)
            .then(() => presence.disconnect(userId, socket.id))
            .then((change) => change && announceOffline(change)),
        );
      });
    },
    stop(): void {
      clearInterval(heartbeat);
      clearInterval(sweep);
    },
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
