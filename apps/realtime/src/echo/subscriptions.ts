import type { Logger } from '@kelisim/logger';
import type { SocketListener } from '../respond.js';
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
 * Laravel Echo's protocol: `subscribe` (authorised, idempotent: Echo resends it on every
 * reconnect), `unsubscribe`, and `client event` whispers to the others on a private or presence
 * channel the socket holds, on every node. The listeners are shared by all sockets.
 */
export function createEchoEvents(deps: {
  authorize: ChannelAuthorizer;
  presence: PresenceChannels;
  chatEvents: ChatEventRelay;
  loggerOf: (socket: ChatSocket) => Logger;
  beforeJoin?: ((channel: string) => Promise<void>) | undefined;
}) {
  const { authorize, presence, chatEvents, loggerOf } = deps;
  /** Per socket, the subscriptions waiting for their authorisation; an unsubscribe cancels them. */
  const pendingBySocket = new WeakMap<ChatSocket, Map<string, symbol>>();
  const pendingOf = (socket: ChatSocket) => {
    let pending = pendingBySocket.get(socket);
    if (!pending) pendingBySocket.set(socket, (pending = new Map<string, symbol>()));
    return pending;
  };
  const invalid = (socket: ChatSocket, message: string) =>
    socket.emit('error', { code: 'validation_failed', message });
  const refuse = (socket: ChatSocket, channel: string, status: number, reason: string) => {
    loggerOf(socket).info({ channel, status, reason }, 'echo subscription refused');
    socket.emit(echoServerEvents.subscriptionError, channel, status);
  };
  const authorizeOrRefuse = (
    socket: ChatSocket,
    channel: EchoChannel,
    headers: Record<string, unknown> | undefined,
  ) =>
    authorize(socket, channel, headers).catch((error: unknown) => {
      loggerOf(socket).error({ err: error, channel: channel.name }, 'echo authorisation failed');
      return { ok: false as const, status: 500, reason: 'authorisation failed' };
    });
  /**
   * A participant removed while their authorisation was in flight may not have been in the room
   * yet when the removal emptied it: ask again once joined, and leave if the answer changed.
   */
  const confirmChatChannel = async (socket: ChatSocket, channel: EchoChannel) => {
    const result = await authorizeOrRefuse(socket, channel, undefined);
    if (result.ok) return;
    await socket.leave(roomOf(channel.name));
    // No longer a participant: nor in the chat's room, which a private subscription joins.
    if (result.status === 403 && channel.kind === 'private') {
      await socket.leave(rooms.chat(channel.chatId!));
    }
    refuse(socket, channel.name, result.status, result.reason);
  };
  const channelCount = (socket: ChatSocket) =>
    (pendingBySocket.get(socket)?.size ?? 0) +
    [...socket.rooms].filter((room) => channelOfRoom(room) !== undefined).length;
  const forget = (socket: ChatSocket, name: string) => {
    const pending = pendingBySocket.get(socket);
    pending?.delete(name);
    if (pending?.size === 0) pendingBySocket.delete(socket);
  };
  /** Whether `attempt` is still the channel's pending subscription; it no longer is after this. */
  const settle = (socket: ChatSocket, name: string, attempt: symbol): boolean => {
    if (pendingBySocket.get(socket)?.get(name) !== attempt) return false;
    forget(socket, name);
    return true;
  };

  const subscribe = (socket: ChatSocket, payload: unknown) => {
    const parsed = subscribeEvent.safeParse(payload);
    if (!parsed.success) return invalid(socket, 'subscribe needs {channel, auth?}.');
    const channel = parseChannel(parsed.data.channel);
    if (socket.rooms.has(roomOf(channel.name))) {
      if (channel.kind === 'presence') presence.resend(socket, channel.name);
      return;
    }
    if (pendingBySocket.get(socket)?.has(channel.name)) return;
    if (channelCount(socket) >= MAX_CHANNELS_PER_SOCKET) {
      return refuse(socket, channel.name, 429, 'too many channels');
    }
    const attempt = Symbol(channel.name);
    pendingOf(socket).set(channel.name, attempt);
    void authorizeOrRefuse(socket, channel, parsed.data.auth?.headers ?? undefined)
      .then(async (result) => {
        if (result.ok) await deps.beforeJoin?.(channel.name);
        if (!settle(socket, channel.name, attempt)) return;
        if (!socket.connected) return;
        if (!result.ok) return refuse(socket, channel.name, result.status, result.reason);
        if (channel.kind === 'private' && channel.chatId !== undefined) {
          // The chat's events reach the channel through the chat's room (chat-relay.ts).
          await socket.join([roomOf(channel.name), rooms.chat(channel.chatId)]);
          chatEvents.watch(socket);
        } else if (channel.kind !== 'presence') {
          await socket.join(roomOf(channel.name));
        } else {
          if (!result.member) return refuse(socket, channel.name, 403, 'no member data');
          presence.join(socket, channel.name, result.member);
        }
        if (channel.chatId !== undefined) await confirmChatChannel(socket, channel);
      })
      .catch((error: unknown) =>
        loggerOf(socket).error({ err: error, channel: channel.name }, 'echo join failed'),
      );
  };

  function subscribeListener(this: ChatSocket, payload: unknown) {
    subscribe(this, payload);
  }

  function unsubscribe(this: ChatSocket, payload: unknown) {
    const parsed = unsubscribeEvent.safeParse(payload);
    if (!parsed.success) return invalid(this, 'unsubscribe needs {channel}.');
    forget(this, parsed.data.channel);
    void this.leave(roomOf(parsed.data.channel));
  }

  function whisper(this: ChatSocket, payload: unknown) {
    const parsed = clientEvent.safeParse(payload);
    if (!parsed.success) {
      return invalid(this, 'client event needs {channel, event: "client-*", data}.');
    }
    const { channel, event, data } = parsed.data;
    const room = roomOf(channel);
    if (parseChannel(channel).kind === 'public' || !this.rooms.has(room)) {
      this.emit('error', {
        code: 'forbidden',
        message: 'Whisper on a private or presence channel you are subscribed to.',
      });
      return;
    }
    this.to(room).emit(event as `client-${string}`, channel, data);
  }

  return {
    listeners: {
      [echoClientEvents.subscribe]: subscribeListener,
      [echoClientEvents.unsubscribe]: unsubscribe,
      [echoClientEvents.clientEvent]: whisper,
    } satisfies Record<string, SocketListener>,
  };
}
