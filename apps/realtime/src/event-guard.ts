import type { Event } from 'socket.io';
import type { SocketError } from '@kelisim/contracts';
import type { RateLimiter, RateLimitResult } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
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

/** A socket's own window: a socket lives on this node only, so it needs no Redis round trip. */
interface WindowCount {
  startedAt: number;
  events: number;
}

function countInWindow(count: WindowCount, window: EventWindow): RateLimitResult {
  const now = Date.now();
  const windowMs = window.windowSeconds * 1000;
  if (now - count.startedAt >= windowMs) {
    count.startedAt = now;
    count.events = 0;
  }
  if (++count.events <= window.points) return { allowed: true };
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((count.startedAt + windowMs - now) / 1000)),
  };
}

/** What the guard keeps per socket: plain numbers, so an idle connection holds little. */
interface GuardState {
  refusalsInARow: number;
  general: WindowCount;
  sync: WindowCount;
}

/**
 * Runs before every incoming event. Each socket and each user may send a limited number of
 * events per window; `sync` and `sync_chats` draw on a budget of their own so a resume after a
 * reconnect is never starved by other events. Unknown events are refused and count as
 * flooding: a socket whose events keep being refused is disconnected. `check` calls `next` for an
 * event it lets through, with the socket's `state()`.
 */
export function createEventGuard(
  limits: EventBudget & { sync: EventBudget },
  loggerOf: (socket: ChatSocket) => Logger,
  /** The events a socket may send: those that have a listener. */
  knownEvents: ReadonlySet<string>,
) {
  const refuse = (
    socket: ChatSocket,
    state: GuardState,
    reply: Reply | undefined,
    refusal: SocketError,
    payload: unknown,
  ) => {
    const error = namingTheSend(refusal, payload);
    if (reply) reply({ ok: false, error });
    else socket.emit('error', error);
    if (++state.refusalsInARow >= refusalsBeforeDisconnect) {
      loggerOf(socket).warn('disconnecting a flooding socket');
      socket.disconnect(true);
    }
  };
  const floodRefusal = (retryAfterSeconds: number): SocketError => ({
    code: 'rate_limited',
    message: 'Too many events; slow down.',
    retry_after: retryAfterSeconds,
  });

  const check = (
    socket: ChatSocket,
    state: GuardState,
    [event, ...args]: Event,
    next: () => void,
  ) => {
    const reply = ackOf(args);
    const isSync = syncEvents.has(event);
    const budget = isSync ? limits.sync : limits;
    const socketLimit = countInWindow(isSync ? state.sync : state.general, budget.perSocket);
    if (!knownEvents.has(event)) {
      const message =
        event === unknownFrameEvent
          ? `Each frame is a JSON object whose "type" is one of: ${[...userOnlyEvents, reauthEventName].join(', ')}.`
          : `Unknown event "${String(event).slice(0, 64)}".`;
      refuse(socket, state, reply, { code: 'validation_failed', message }, args[0]);
      return;
    }
    const { guest } = socket.data;
    if (guest && userOnlyEvents.has(event)) {
      refuse(
        socket,
        state,
        reply,
        { code: 'unauthenticated', message: 'Guests can only subscribe to public channels.' },
        args[0],
      );
      return;
    }
    if (!socketLimit.allowed) {
      refuse(socket, state, reply, floodRefusal(socketLimit.retryAfterSeconds), args[0]);
      return;
    }
    if (guest) {
      state.refusalsInARow = 0;
      next();
      return;
    }
    budget.perUser.consume(String(socket.data.userId)).then(
      (userLimit) => {
        if (!userLimit.allowed) {
          refuse(socket, state, reply, floodRefusal(userLimit.retryAfterSeconds), args[0]);
          return;
        }
        state.refusalsInARow = 0;
        next();
      },
      (error: unknown) => {
        loggerOf(socket).error({ err: error }, 'event rate limit check failed');
        next();
      },
    );
  };

  return {
    state: (): GuardState => ({
      refusalsInARow: 0,
      general: { startedAt: 0, events: 0 },
      sync: { startedAt: 0, events: 0 },
    }),
    check,
  };
}

export type EventGuard = ReturnType<typeof createEventGuard>;
