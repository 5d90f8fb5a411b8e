import type { Db } from '@kelisim/db';
import {
  announceOffline,
  announceOnline,
  type EventPublisher,
  type JobQueue,
} from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { Presence, PresenceChange } from '@kelisim/redis';
import { createTrackedWork } from './tracked-work.js';
import type { ChatServer, ChatSocket } from './types.js';

/**
 * Keeps this node's sockets in the cluster-wide presence and announces (domain use cases) when a
 * user comes online (first connection anywhere) or goes offline (last one, or their node stopped
 * heartbeating).
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
  const { track, settled } = createTrackedWork(logger, 'presence update failed');
  const ports = { db, events, jobs };
  const wentOffline = (change: PresenceChange) =>
    announceOffline(ports, change.userId, change.lastSeenAt);

  const heartbeat = setInterval(() => {
    const connections = [...io.of('/').sockets.values()].map((socket) => ({
      userId: socket.data.userId,
      connectionId: socket.id,
    }));
    if (connections.length === 0) return;
    track(
      presence.heartbeat(connections).then(async (backOnline) => {
        for (const userId of backOnline) await announceOnline(ports, userId);
      }),
    );
  }, ttlMs / 3);

  const sweep = setInterval(() => {
    track(
      presence.sweep().then(async (changes) => {
        for (const change of changes) await wentOffline(change);
      }),
    );
  }, ttlMs / 3);

  /** A tracked socket's entry into presence, which its leaving waits for. */
  const connecting = new WeakMap<ChatSocket, Promise<void>>();

  return {
    /** `audience`: the user's presence audience, read once for this connection. */
    connected(socket: ChatSocket, audience: Promise<number[]>): void {
      const { userId } = socket.data;
      const entered = presence.connect(userId, socket.id).then(async (first) => {
        if (first) await announceOnline(ports, userId, audience);
      });
      connecting.set(socket, entered);
      track(entered);
    },
    /** The socket is leaving; sockets never tracked are ignored. */
    disconnecting(socket: ChatSocket): void {
      const entered = connecting.get(socket);
      if (!entered) return;
      const { userId } = socket.data;
      track(
        entered
          .catch(() => undefined)
          .then(() => presence.disconnect(userId, socket.id))
          .then((change) => change && wentOffline(change)),
      );
    },
    stop(): void {
      clearInterval(heartbeat);
      clearInterval(sweep);
    },
    settled,
  };
}
