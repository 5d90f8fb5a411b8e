import type { z } from 'zod';
import {
  editMessageEvent,
  markReadEvent,
  reactEvent,
  sendMessageEvent,
  syncChatsEvent,
  syncEvent,
  typingEvent,
  type ClientToServerEvents,
  type UserSummary,
} from '@kelisim/contracts';
import {
  editMessage,
  listMessages,
  markChatRead,
  reactToMessage,
  relayTyping,
  sendMessage,
  syncChats,
  type Actor,
  type DomainContext,
} from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { respond, type SocketListener } from '../respond.js';
import type { ChatSocket } from '../types.js';

/** `sync` and `sync_chats` draw on a budget of their own, so a resume is never starved. */
export type EventBudgetName = 'general' | 'sync';

/** A socket's user, as the handshake loaded it. */
type SocketActor = Actor & { user: UserSummary };

interface ChatEvent<S extends z.ZodType> {
  schema: S;
  budget: EventBudgetName;
  run(ctx: DomainContext, actor: SocketActor, input: z.output<S>): Promise<object>;
}

function chatEvent<S extends z.ZodType>(
  schema: S,
  budget: EventBudgetName,
  run: ChatEvent<S>['run'],
): ChatEvent<S> {
  return { schema, budget, run };
}

/**
 * The client events (the seed's frames and the later acts), one entry each: its contract schema,
 * its budget and its use case. Registration and the event guard's allow-list both come from this
 * table.
 */
export const chatEvents = {
  send_message: chatEvent(sendMessageEvent, 'general', async (ctx, actor, input) => {
    const { message } = await sendMessage(ctx, actor, {
      chatId: input.chat_id,
      content: input.content,
      tempId: input.temp_id,
      replyToId: input.reply_to_id,
      mentions: input.mentions,
    });
    return { message };
  }),
  edit_message: chatEvent(editMessageEvent, 'general', async (ctx, actor, input) => ({
    message: await editMessage(ctx, actor, input.message_id, input.content),
  })),
  react: chatEvent(reactEvent, 'general', async (ctx, actor, input) => ({
    message: await reactToMessage(ctx, actor, input.message_id, input.emoji, input.on),
  })),
  typing: chatEvent(typingEvent, 'general', async (ctx, actor, input) => ({
    relayed: await relayTyping(ctx, actor, input.chat_id, input.is_typing),
  })),
  mark_read: chatEvent(markReadEvent, 'general', async (ctx, actor, input) => {
    const state = await markChatRead(ctx, actor, input.chat_id, input.seq);
    return { last_read_seq: state.last_read_seq, unread_count: state.unread_count };
  }),
  sync: chatEvent(syncEvent, 'sync', async (ctx, actor, input) => {
    const page = await listMessages(ctx, actor, input.chat_id, {
      after: input.after_seq,
      limit: input.limit,
    });
    return { messages: page.messages, has_more: page.hasMore };
  }),
  sync_chats: chatEvent(syncChatsEvent, 'sync', async (ctx, actor, input) => {
    const result = await syncChats(ctx, actor, {
      chats: input.chats.map((c) => ({ chatId: c.chat_id, afterSeq: c.after_seq })),
      limitPerChat: input.limit_per_chat,
    });
    return { chats: result.chats, not_found: result.notFound };
  }),
} satisfies Partial<Record<keyof ClientToServerEvents, ChatEvent<z.ZodType>>>;

export type ChatEventName = keyof typeof chatEvents;

const actorOf = (socket: ChatSocket): SocketActor => ({
  userId: socket.data.userId,
  name: socket.data.user.name,
  user: socket.data.user,
});

/**
 * The chat events' listeners by name (parse, call the use case, ack, or emit `error` without an
 * ack), made once per gateway and shared by all its sockets.
 */
export function chatEventListeners(
  ctx: DomainContext,
  loggerOf: (socket: ChatSocket) => Logger,
): Record<ChatEventName, SocketListener> {
  const entries = (Object.entries(chatEvents) as [ChatEventName, ChatEvent<z.ZodType>][]).map(
    ([name, event]) => [
      name,
      respond(event.schema, (socket, input) => event.run(ctx, actorOf(socket), input), loggerOf),
    ],
  );
  return Object.fromEntries(entries) as Record<ChatEventName, SocketListener>;
}
