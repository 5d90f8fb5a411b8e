import {
  markReadEvent,
  sendMessageEvent,
  syncChatsEvent,
  syncEvent,
  typingEvent,
  type AckError,
} from '@kelisim/contracts';
import {
  listMessages,
  markChatRead,
  relayTyping,
  sendMessage,
  syncChats,
  type DomainContext,
} from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { respond } from '../respond.js';
import type { ChatSocket } from '../types.js';

/** The seed's frames as socket.io events: parse, call the use case, ack. */
export function registerChatEvents(socket: ChatSocket, ctx: DomainContext, logger: Logger): void {
  const actor = { userId: socket.data.userId, name: socket.data.user.name, user: socket.data.user };
  const context = {
    logger,
    emitError: (error: AckError['error']) => socket.emit('error', error),
  };

  socket.on(
    'send_message',
    respond(
      sendMessageEvent,
      async (input) => {
        const { message } = await sendMessage(ctx, actor, {
          chatId: input.chat_id,
          content: input.content,
          tempId: input.temp_id,
          replyToId: input.reply_to_id,
        });
        return { message };
      },
      context,
    ),
  );

  socket.on(
    'typing',
    respond(
      typingEvent,
      async (input) => ({ relayed: await relayTyping(ctx, actor, input.chat_id, input.is_typing) }),
      context,
    ),
  );

  socket.on(
    'mark_read',
    respond(
      markReadEvent,
      async (input) => {
        const state = await markChatRead(ctx, actor, input.chat_id, input.seq);
        return { last_read_seq: state.last_read_seq, unread_count: state.unread_count };
      },
      context,
    ),
  );

  socket.on(
    'sync',
    respond(
      syncEvent,
      async (input) => {
        const page = await listMessages(ctx, actor, input.chat_id, {
          after: input.after_seq,
          limit: input.limit,
        });
        return { messages: page.messages, has_more: page.hasMore };
      },
      context,
    ),
  );

  socket.on(
    'sync_chats',
    respond(
      syncChatsEvent,
      async (input) => {
        const result = await syncChats(ctx, actor, {
          chats: input.chats.map((c) => ({ chatId: c.chat_id, afterSeq: c.after_seq })),
          limitPerChat: input.limit_per_chat,
        });
        return { chats: result.chats, not_found: result.notFound };
      },
      context,
    ),
  );
}
