import type { Event } from 'socket.io';
import type { SocketError } from '@kelisim/contracts';
import type { RateLimiter, RateLimitResult } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { echoClientEvents } from './echo/index.js';
import { chatEvents } from './handlers/chat-events.js';
import { reauthEventName } from './credential-watch.js';
import { ackOf, namingTheSend, type Reply } from './respond.js';
import type { ChatSocket } from './types.js';

/** Guests (Echo's public channels) may send only the events that are not chat events. */
const userOnlyEvents = new Set<string>(Object.keys(chatEvents));
const syncEvents = new Set<string>(
  Object.entries(chatEvents)
    .filter(([, event]) => event.budget === 'sync')
    .map(([name]) => name),
);
const knownEvents = new Set<string>([
  ...userOnlyEvents,
  reauthEventName,
  ...Object.values(echoClientEvents),
]);

/**
 * What a `/ws` frame becomes when it is not a JSON object whose `type` is a client event: refused
 * like any unknown event.
 */
export const unknownFrameEvent = 'unknown_frame';

/** Refused events beyond this many in a row mean a flooding client: it gets disconnected. */
const refusalsBeforeDisconnect = 20;

export interface EventWindow {
  points: number;
  windowSeconds: number;
}

/** A window per socket (in this process) and one per user (across nodes, in Redis). */
export interface EventBudget {
  perSocket: EventWindow;
  perUser: RateLimiter;
}

/** A socket lives on this node only, so its own window needs no Redis round trip. */
function socketWindow(window: EventWindow): () => RateLimitResult {
  let startedAt = 0;
  let events = 0;
  return () => {
    const now = Date.now();
    const windowMs = window.windowSeconds * 1000;
    if (now - startedAt >= windowMs) {
      startedAt = now;
      events = 0;
    }
    if (++events <= window.points) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((startedAt + windowMs - now) / 1000)),
    };
  };
}

/**
 * Runs before every incoming event. Each socket and each user may send a limited number of
 * events per window; `sync` and `sync_chats` draw on a budget of their own so a resume after a
 * reconnect is never starved by other events. Unknown events are refused and count as
 * flooding: a socket whose events keep being refused is disconnected.
 */
export function guardEvents(
  socket: ChatSocket,
  limits: EventBudget & { sync: EventBudget },
  logger: Logger,
) {
  let refusalsInARow = 0;
  const general = { socket: socketWindow(limits.perSocket), user: limits.perUser };
  const sync = { socket: socketWindow(limits.sync.perSocket), user: limits.sync.perUser };
  const refuse = (reply: Reply | undefined, refusal: SocketError, payload: unknown) => {
    const error = namingTheSend(refusal, payload);
    if (reply) reply({ ok: false, error });
    else socket.emit('error', error);
    if (++refusalsInARow >= refusalsBeforeDisconnect) {
      logger.warn(
        { socketId: socket.id, userId: socket.data.userId },
        'disconnecting a flooding socket',
      );
      socket.disconnect(true);
    }
  };
  const refuseFlood = (reply: Reply | undefined, retryAfterSeconds: number, payload: unknown) =>
    refuse(
      reply,
      {
        code: 'rate_limited',
        message: 'Too many events; slow down.',
        retry_after: retryAfterSeconds,
      },
      payload,
    );
  return ([event, ...args]: Event, next: (error?: Error) => void) => {
    const reply = ackOf(args);
    const budget = syncEvents.has(event) ? sync : general;
    const socketLimit = budget.socket();
    if (!knownEvents.has(event)) {
      const message =
        event === unknownFrameEvent
          ? `Each frame is a JSON object whose "type" is one of: ${[...userOnlyEvents, reauthEventName].join(', ')}.`
          : `Unknown event "${String(event).slice(0, 64)}".`;
      refuse(reply, { code: 'validation_failed', message }, args[0]);
      return;
    }
    const { guest } = socket.data;
    if (guest && userOnlyEvents.has(event)) {
      refuse(
        reply,
        { code: 'unauthenticated', message: 'Guests can only subscribe to public channels.' },
        args[0],
      );
      return;
    }
    if (!socketLimit.allowed) {
      refuseFlood(reply, socketLimit.retryAfterSeconds, args[0]);
      return;
    }
    if (guest) {
      refusalsInARow = 0;
      next();
      return;
    }
    budget.user.consume(String(socket.data.userId)).then(
      (userLimit) => {
        if (!userLimit.allowed) {
          refuseFlood(reply, userLimit.retryAfterSeconds, args[0]);
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
