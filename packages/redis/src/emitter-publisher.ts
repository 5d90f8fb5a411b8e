import type { RedisClient } from './connection.js';
import { Emitter } from '@socket.io/redis-emitter';
import { echoChannels, rooms, type ServerEventName, type ServerEvents } from '@kelisim/contracts';
import type { Audience, EventPublisher } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';

export function audienceRooms(audience: Audience): string[] {
  return [...(audience.chatIds ?? []).map(rooms.chat), ...(audience.userIds ?? []).map(rooms.user)];
}

/**
 * The Echo rooms a participant who leaves a chat must leave too. Laravel Echo channels are served
 * from rooms of their own (`echo:<channel>`), apart from the `user:`/`chat:` rooms; a chat's events
 * are published once, to its `chat:` room, and each gateway makes their Echo form for its own
 * subscribers of `private-chat.<id>` (`apps/realtime/src/echo/chat-relay.ts`).
 */
export function chatEchoRooms(chatId: number): string[] {
  return [echoChannels.privateChat(chatId), echoChannels.presenceChat(chatId)].map(
    echoChannels.room,
  );
}

/**
 * Pushes to sockets on every gateway node through the socket.io Redis adapter's channels, from
 * processes that hold no sockets (API nodes, workers). `key` must match the adapter's key.
 */
export function createEmitterPublisher(
  redis: RedisClient,
  logger: Logger,
  key = 'socket.io',
): EventPublisher {
  // The emitter never handles publish failures itself; a push is a hint, so log and go on.
  const client = {
    publish: (channel: string, message: string | Buffer) =>
      redis.publish(channel, message).catch((error: unknown) => {
        logger.warn({ err: error, channel }, 'push to sockets failed');
        return 0;
      }),
  };
  const emitter = new Emitter(client, { key });
  return {
    publish<E extends ServerEventName>(audience: Audience, event: E, payload: ServerEvents[E]) {
      const targets = audienceRooms(audience);
      if (targets.length > 0) emitter.to(targets).emit(event, payload);
    },
    joinChat(userIds, chatId) {
      if (userIds.length > 0) emitter.in(userIds.map(rooms.user)).socketsJoin(rooms.chat(chatId));
    },
    leaveChat(userIds, chatId) {
      if (userIds.length === 0) return;
      emitter
        .in(userIds.map(rooms.user))
        .socketsLeave([rooms.chat(chatId), ...chatEchoRooms(chatId)]);
    },
  };
}
