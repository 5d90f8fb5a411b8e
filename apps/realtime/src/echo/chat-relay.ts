import { chatOfEvent, echoChannels } from '@kelisim/contracts';
import type { ChatServer, ChatSocket } from '../types.js';

/**
 * Echo's form of a chat's events, made on each node from their one publish. A chat event is
 * published once, to the chat's `chat:<id>` room; a socket subscribed to `private-chat.<id>` is
 * in that room too (the subscription joins both). The first such socket on a node to receive an
 * event re-emits it, in Echo's `(event, channel, payload)` form, to the channel's local room: one
 * encoding for all of them, and no second publish through Redis.
 */
export function createChatEventRelay(io: ChatServer) {
  /**
   * The payloads relayed in the current broadcast. The adapter hands the same payload object to
   * every socket of one broadcast, synchronously; the entry is dropped once that loop is over.
   */
  const relayed = new WeakSet<object>();
  const watched = new WeakSet<ChatSocket>();

  const relay = (event: string, payload: unknown) => {
    if (typeof payload !== 'object' || payload === null || relayed.has(payload)) return;
    const chatId = chatOfEvent(event, payload);
    if (chatId === undefined) return;
    relayed.add(payload);
    queueMicrotask(() => relayed.delete(payload));
    const channel = echoChannels.privateChat(chatId);
    (io.local.to(echoChannels.room(channel)).emit as (...args: unknown[]) => boolean)(
      event,
      channel,
      payload,
    );
  };

  return {
    /** From a socket's first `private-chat.<id>` subscription on. */
    watch(socket: ChatSocket): void {
      if (watched.has(socket)) return;
      watched.add(socket);
      socket.onAnyOutgoing(relay);
    },
  };
}

export type ChatEventRelay = ReturnType<typeof createChatEventRelay>;
