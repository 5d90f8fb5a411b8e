import type { Server } from 'socket.io';
import {
  rooms,
  type ServerEventName,
  type ServerEvents,
  type ServerToClientEvents,
} from '@kelisim/contracts';
import type { Audience, EventPublisher } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { audienceRooms, chatEchoRooms } from './emitter-publisher.js';

// Any server whose emitter speaks our server→client events; other type parameters don't matter here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ChatServer = Server<any, ServerToClientEvents, any, any>;

/**
 * Pushes through a socket.io server and its Redis adapter: reaches sockets on every node.
 * Used by gateways, and by API nodes in sharded mode (where the emitter has no equivalent).
 */
export function createIoPublisher(io: ChatServer, logger: Logger): EventPublisher {
  const guard = (what: string, action: () => unknown) => {
    try {
      const result = action();
      if (result instanceof Promise) {
        result.catch((error: unknown) =>
          logger.warn({ err: error, what }, 'push to sockets failed'),
        );
      }
    } catch (error) {
      logger.warn({ err: error, what }, 'push to sockets failed');
    }
  };
  return {
    publish<E extends ServerEventName>(audience: Audience, event: E, payload: ServerEvents[E]) {
      const targets = audienceRooms(audience);
      if (targets.length === 0) return;
      guard(event, () =>
        (io.to(targets).emit as (e: string, p: unknown) => boolean)(event, payload),
      );
    },
    joinChat(userIds, chatId) {
      if (userIds.length > 0)
        guard('join', () => io.in(userIds.map(rooms.user)).socketsJoin(rooms.chat(chatId)));
    },
    leaveChat(userIds, chatId) {
      if (userIds.length === 0) return;
      guard('leave', () =>
        io.in(userIds.map(rooms.user)).socketsLeave([rooms.chat(chatId), ...chatEchoRooms(chatId)]),
      );
    },
  };
}
