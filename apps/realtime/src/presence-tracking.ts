import { chatIdsOfRooms } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import type { EventPublisher, JobQueue } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { Presence, PresenceChange } from '@kelisim/redis';
import type { ChatServer, ChatSocket } from './types.js';

/**
 * Keeps this node's sockets in the cluster-wide presence and tells a user's chats when they come
 * online (first connection anywhere) or go offline (last one, or their node stopped heartbeating).
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

  const announceOffline = (change: PresenceChange, chatIds: number[]) => {
    const offline = {
      user_id: change.userId,
      status: 'offline',
      last_seen_at: change.lastSeenAt.toISOString(),
    } as const;
    jobs.notifyLaravel('presence.changed', offline);
    if (chatIds.length === 0) return;
    events.publish({ chatIds }, 'presence', offline);
  };

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
        for (const change of changes) {
          const memberships = await db.participant.findMany({
            where: { userId: change.userId },
            select: { chatId: true },
          });
          announceOffline(
            change,
            memberships.map((m) => Number(m.chatId)),
          );
        }
      }),
    );
  }, ttlMs / 3);

  return {
    connected(socket: ChatSocket): void {
      const { userId } = socket.data;
      const connecting = presence.connect(userId, socket.id).then((first) => {
        if (first) {
          jobs.notifyLaravel('presence.changed', {
            user_id: userId,
            status: 'online',
            last_seen_at: null,
          });
        }
        const chatIds = chatIdsOfRooms(socket.rooms);
        if (first && chatIds.length > 0) {
          events.publish({ chatIds }, 'presence', {
            user_id: userId,
            status: 'online',
            last_seen_at: null,
          });
        }
      });
      track(connecting);
      socket.on('disconnecting', () => {
        const chatIds = chatIdsOfRooms(socket.rooms);
        track(
          connecting
            .catch(() => undefined)
            .then(() => presence.disconnect(userId, socket.id))
            .then((change) => change && announceOffline(change, chatIds)),
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
