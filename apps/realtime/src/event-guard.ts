import type { Event } from 'socket.io';
import type { RateLimiter } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { echoClientEvents } from './echo/index.js';
import { ackOf, type Reply } from './respond.js';
import type { ChatSocket } from './types.js';

const chatEvents = new Set(['send_message', 'typing', 'mark_read', 'sync']);
const knownEvents = new Set([...chatEvents, ...Object.values(echoClientEvents)]);

/** Refused events beyond this many in a row mean a flooding client: it gets disconnected. */
const refusalsBeforeDisconnect = 20;

type RefusalCode = 'validation_failed' | 'rate_limited' | 'unauthenticated';

export interface EventWindow {
  points: number;
  windowSeconds: number;
}

/**
 * Runs before every incoming event: unknown events are refused with an error, and each socket
 * (in this process) and each user (across nodes, in Redis) may send a limited number of events
 * per window.
 */
export function guardEvents(
  socket: ChatSocket,
  limits: { perSocket: EventWindow; perUser: RateLimiter },
  logger: Logger,
) {
  let refusalsInARow = 0;
  // A socket lives on this node only, so its own window needs no Redis round trip.
  let windowStartedAt = 0;
  let eventsInWindow = 0;
  const socketWindowAllows = () => {
    const now = Date.now();
    if (now - windowStartedAt >= limits.perSocket.windowSeconds * 1000) {
      windowStartedAt = now;
      eventsInWindow = 0;
    }
    return ++eventsInWindow <= limits.perSocket.points;
  };
  const refuse = (reply: Reply | undefined, code: RefusalCode, message: string) => {
    const error = { code, message };
    if (reply) reply({ ok: false, error });
    else socket.emit('error', error);
  };
  const refuseFlood = (reply: Reply | undefined) => {
    refuse(reply, 'rate_limited', 'Too many events; slow down.');
    if (++refusalsInARow >= refusalsBeforeDisconnect) {
      logger.warn(
        { socketId: socket.id, userId: socket.data.userId },
        'disconnecting a flooding socket',
      );
      socket.disconnect(true);
    }
  };
  return ([event, ...args]: Event, next: (error?: Error) => void) => {
    const reply = ackOf(args);
    if (!knownEvents.has(event)) {
      refuse(reply, 'validation_failed', `Unknown event "${String(event).slice(0, 64)}".`);
      return;
    }
    const { guest } = socket.data;
    if (guest && chatEvents.has(event)) {
      refuse(reply, 'unauthenticated', 'Guests can only subscribe to public channels.');
      return;
    }
    if (!socketWindowAllows()) {
      refuseFlood(reply);
      return;
    }
    if (guest) {
      refusalsInARow = 0;
      next();
      return;
    }
    limits.perUser.consume(String(socket.data.userId)).then(
      (userLimit) => {
        if (!userLimit.allowed) {
          refuseFlood(reply);
          return;
        }
        refusalsInARow = 0;
        next();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'event rate limit check failed');
        next();
      },
    );
  };
}
