import type { Event } from 'socket.io';
import type { RateLimiter } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { echoClientEvents } from './echo/index.js';
import { ackOf } from './respond.js';
import type { ChatSocket } from './types.js';

const chatEvents = new Set(['send_message', 'typing', 'mark_read', 'sync']);
const knownEvents = new Set([...chatEvents, ...Object.values(echoClientEvents)]);

/** Refused events beyond this many in a row mean a flooding client: it gets disconnected. */
const refusalsBeforeDisconnect = 20;

/**
 * Runs before every incoming event: unknown events are refused with an error, and each socket
 * and each user (across nodes) may send a limited number of events per window.
 */
export function guardEvents(
  socket: ChatSocket,
  limits: { perSocket: RateLimiter; perUser: RateLimiter },
  logger: Logger,
) {
  let refusalsInARow = 0;
  return ([event, ...args]: Event, next: (error?: Error) => void) => {
    const reply = ackOf(args);
    const refuse = (
      code: 'validation_failed' | 'rate_limited' | 'unauthenticated',
      message: string,
    ) => {
      const error = { code, message };
      if (reply) reply({ ok: false, error });
      else socket.emit('error', error);
    };
    if (!knownEvents.has(event)) {
      refuse('validation_failed', `Unknown event "${String(event).slice(0, 64)}".`);
      return;
    }
    const { guest } = socket.data;
    if (guest && chatEvents.has(event)) {
      refuse('unauthenticated', 'Guests can only subscribe to public channels.');
      return;
    }
    void Promise.all([
      limits.perSocket.consume(socket.id),
      guest ? { allowed: true } : limits.perUser.consume(String(socket.data.userId)),
    ]).then(
      ([socketLimit, userLimit]) => {
        if (socketLimit.allowed && userLimit.allowed) {
          refusalsInARow = 0;
          next();
          return;
        }
        refuse('rate_limited', 'Too many events; slow down.');
        if (++refusalsInARow >= refusalsBeforeDisconnect) {
          logger.warn(
            { socketId: socket.id, userId: socket.data.userId },
            'disconnecting a flooding socket',
          );
          socket.disconnect(true);
        }
      },
      (error: unknown) => {
        logger.error({ err: error }, 'event rate limit check failed');
        next();
      },
    );
  };
}
