import {
  addParticipants,
  createChat,
  deleteMessage,
  editMessage,
  getChat,
  getUnreadCounts,
  listChats,
  listMessages,
  listParticipants,
  listPins,
  listReplies,
  markChatRead,
  markMessageRead,
  pinMessage,
  reactToMessage,
  removeParticipant,
  searchMessages,
  sendMessage,
  updateChatSettings,
  type DomainContext,
} from '@kelisim/domain';
import type { RestHandlers } from '../http/rest-router.js';

/** Chats, their participants, their messages and my read state. */
export function chatHandlers(ctx: DomainContext) {
  return {
    listChats: async ({ actor, query }, res) => {
      const page = await listChats(ctx, actor, query);
      res.json({
        data: page.chats,
        meta: { next_cursor: page.nextCursor, has_more: page.nextCursor !== null },
      });
    },

    createChat: async ({ actor, body }, res) => {
      const result = await createChat(ctx, actor, body);
      res.status(result.created ? 201 : 200).json({ data: result.chat });
    },

    getChat: async ({ actor, params }, res) => {
      res.json({ data: await getChat(ctx, actor, params.id) });
    },

    listParticipants: async ({ actor, params }, res) => {
      res.json({ data: await listParticipants(ctx, actor, params.id) });
    },

    addParticipants: async ({ actor, params, body }, res) => {
      res.json({ data: await addParticipants(ctx, actor, params.id, body) });
    },

    removeParticipant: async ({ actor, params }, res) => {
      await removeParticipant(ctx, actor, params.id, params.userId);
      res.status(204).end();
    },

    listMessages: async ({ actor, params, query }, res) => {
      const page = await listMessages(ctx, actor, params.id, query);
      res.json({ data: page.messages, meta: { has_more: page.hasMore } });
    },

    sendMessage: async ({ actor, params, body }, res) => {
      const result = await sendMessage(ctx, actor, {
        chatId: params.id,
        content: body.content,
        tempId: body.temp_id,
        replyToId: body.reply_to_id,
        mentions: body.mentions,
      });
      res.status(result.created ? 201 : 200).json({ data: result.message });
    },

    markChatRead: async ({ actor, params, body }, res) => {
      res.json({ data: await markChatRead(ctx, actor, params.id, body.seq) });
    },

    markMessageRead: async ({ actor, params }, res) => {
      res.json({ data: await markMessageRead(ctx, actor, params.id) });
    },

    deleteMessage: async ({ actor, params }, res) => {
      res.json({ data: await deleteMessage(ctx, actor, params.id) });
    },

    listReplies: async ({ actor, params, query }, res) => {
      const page = await listReplies(ctx, actor, params.id, query);
      res.json({ data: page.messages, meta: { has_more: page.hasMore } });
    },

    pinMessage: async ({ actor, params }, res) => {
      res.json({ data: await pinMessage(ctx, actor, params.id, true) });
    },

    unpinMessage: async ({ actor, params }, res) => {
      res.json({ data: await pinMessage(ctx, actor, params.id, false) });
    },

    listPins: async ({ actor, params }, res) => {
      res.json({ data: await listPins(ctx, actor, params.id) });
    },

    updateChatSettings: async ({ actor, params, body }, res) => {
      const mutedUntil = body.muted_until === null ? null : new Date(body.muted_until);
      res.json({ data: await updateChatSettings(ctx, actor, params.id, { mutedUntil }) });
    },

    editMessage: async ({ actor, params, body }, res) => {
      res.json({ data: await editMessage(ctx, actor, params.id, body.content) });
    },

    addReaction: async ({ actor, params }, res) => {
      res.json({ data: await reactToMessage(ctx, actor, params.id, params.emoji, true) });
    },

    removeReaction: async ({ actor, params }, res) => {
      res.json({ data: await reactToMessage(ctx, actor, params.id, params.emoji, false) });
    },

    searchMessages: async ({ actor, query }, res) => {
      const page = await searchMessages(ctx, actor, {
        q: query.q,
        chatId: query.chat_id,
        before: query.before,
        limit: query.limit,
      });
      res.json({ data: page.hits, meta: { has_more: page.hasMore, next_before: page.nextBefore } });
    },

    unreadCounts: async ({ actor }, res) => {
      res.json({ data: await getUnreadCounts(ctx, actor) });
    },
  } satisfies Partial<RestHandlers>;
}
