import type { Logger } from '@kelisim/logger';
import type { ChatSocket } from '../types.js';
import type { ChannelAuthorizer } from './authorize.js';
import type { ChatEventRelay } from './chat-relay.js';
import { channelOfRoom, parseChannel, roomOf, type EchoChannel } from './channels.js';
import type { PresenceChannels } from './presence-channels.js';
import {
  clientEvent,
  echoClientEvents,
  echoServerEvents,
  rooms,
  subscribeEvent,
  unsubscribeEvent,
} from '@kelisim/contracts';

/** Channels one socket may hold; an Echo page uses a handful. */
const MAX_CHANNELS_PER_SOCKET = 100;

/**
 * Laravel Echo's protocol on one socket: `subscribe` (authorised, idempotent: Echo resends it on
 * every reconnect), `unsubscribe`, and `client event` whispers to the others on a private or
 * presence channel the socket holds, on every node.
 */
export function registerEchoEvents(
  socket: ChatSocket,
  deps: {
    authorize: ChannelAuthorizer;
    presence: PresenceChannels;
    chatEvents: ChatEventRelay;
    logger: Logger;
    beforeJoin?: ((channel: string) => Promise<void>) | undefined;
  },
): void {
  const { authorize, presence, chatEvents, logger } = deps;
  /** Subscriptions waiting for their authorisation; an unsubscribe cancels them. */
  const pending = new Map<string, symbol>();
  const invalid = (message: string) => socket.emit('error', { code: 'validation_failed', message });
  const refuse = (channel: string, status: number, reason: string) => {
    logger.info({ channel, status, reason }, 'echo subscription refused');
    socket.emit(echoServerEvents.subscriptionError, channel, status);
  };
  /**
   * A participant removed while their authorisation was in flight may not have been in the room
   * yet when the removal emptied it: ask again once joined, and leave if the answer changed.
   */
  const confirmChatChannel = async (channel: EchoChannel) => {
    const result = await authorize(socket, channel, undefined).catch((error: unknown) => {
      logger.error({ err: error, channel: channel.name }, 'echo authorisation failed');
      return { ok: false as const, status: 500, reason: 'authorisation failed' };
    });
    if (result.ok) return;
    await socket.leave(roomOf(channel.name));
    // No longer a participant: nor in the chat's room, which a private subscription joins.
    if (result.status === 403 && channel.kind === 'private') {
      await socket.leave(rooms.chat(channel.chatId!));
    }
    refuse(channel.name, result.status, result.reason);
  };
  const channelCount = () =>
    pending.size + [...socket.rooms].filter((room) => channelOfRoom(room) !== undefined).length;

  socket.on(echoClientEvents.subscribe, (payload) => {
    const parsed = subscribeEvent.safeParse(payload);
    if (!parsed.success) return invalid('subscribe needs {channel, auth?}.');
    const channel = parseChannel(parsed.data.channel);
    if (socket.rooms.has(roomOf(channel.name))) {
      if (channel.kind === 'presence') presence.resend(socket, channel.name);
      return;
    }
    if (pending.has(channel.name)) return;
    if (channelCount() >= MAX_CHANNELS_PER_SOCKET) {
      return refuse(channel.name, 429, 'too many channels');
    }
    const attempt = Symbol(channel.name);
    pending.set(channel.name, attempt);
    void authorize(socket, channel, parsed.data.auth?.headers ?? undefined)
      .catch((error: unknown) => {
        logger.error({ err: error, channel: channel.name }, 'echo authorisation failed');
        return { ok: false as const, status: 500, reason: 'authorisation failed' };
      })
      .then(async (result) => {
        if (result.ok) await deps.beforeJoin?.(channel.name);
        if (pending.get(channel.name) !== attempt) return;
        pending.delete(channel.name);
        if (!socket.connected) return;
        if (!result.ok) return refuse(channel.name, result.status, result.reason);
        if (channel.kind === 'private' && channel.chatId !== undefined) {
          // The chat's events reach the channel through the chat's room (chat-relay.ts).
          await socket.join([roomOf(channel.name), rooms.chat(channel.chatId)]);
          chatEvents.watch(socket);
        } else if (channel.kind !== 'presence') {
          await socket.join(roomOf(channel.name));
        } else {
          if (!result.member) return refuse(channel.name, 403, 'no member data');
          presence.join(socket, channel.name, result.member);
        }
        if (channel.chatId !== undefined) await confirmChatChannel(channel);
      })
      .catch((error: unknown) =>
        logger.error({ err: error, channel: channel.name }, 'echo join failed'),
      );
  });

  socket.on(echoClientEvents.unsubscribe, (payload) => {
    const parsed = unsubscribeEvent.safeParse(payload);
    if (!parsed.success) return invalid('unsubscribe needs {channel}.');
    pending.delete(parsed.data.channel);
    void socket.leave(roomOf(parsed.data.channel));
  });

  socket.on(echoClientEvents.clientEvent, (payload) => {
    const parsed = clientEvent.safeParse(payload);
    if (!parsed.success) return invalid('client event needs {channel, event: "client-*", data}.');
    const { channel, event, data } = parsed.data;
    const room = roomOf(channel);
    if (parseChannel(channel).kind === 'public' || !socket.rooms.has(room)) {
      socket.emit('error', {
        code: 'forbidden',
        message: 'Whisper on a private or presence channel you are subscribed to.',
      });
      return;
    }
    socket.to(room).emit(event as `client-${string}`, channel, data);
  });
}
