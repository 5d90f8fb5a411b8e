import { Router } from 'express';
import {
  addParticipantsBody,
  chatIdParams,
  chatsQuery,
  createChatBody,
  markChatReadBody,
  messagesQuery,
  participantParams,
  sendMessageBody,
} from '@kelisim/contracts';
import {
  addParticipants,
  createChat,
  getChat,
  listChats,
  listMessages,
  listParticipants,
  markChatRead,
  removeParticipant,
  sendMessage,
  type DomainContext,
} from '@kelisim/domain';
import { parseInput } from '../http/validate.js';

export function chatRoutes(ctx: DomainContext): Router {
  const router = Router();

  router.get('/chats', async (req, res) => {
    const page = await listChats(ctx, res.locals.actor, parseInput(chatsQuery, req.query));
    res.json({
      data: page.chats,
      meta: { next_cursor: page.nextCursor, has_more: page.nextCursor !== null },
    });
  });

  router.post('/chats', async (req, res) => {
    const result = await createChat(ctx, res.locals.actor, parseInput(createChatBody, req.body));
    res.status(result.created ? 201 : 200).json({ data: result.chat });
  });

  router.get('/chats/:id', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    res.json({ data: await getChat(ctx, res.locals.actor, id) });
  });

  router.get('/chats/:id/participants', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    res.json({ data: await listParticipants(ctx, res.locals.actor, id) });
  });

  router.post('/chats/:id/participants', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    const body = parseInput(addParticipantsBody, req.body);
    res.json({ data: await addParticipants(ctx, res.locals.actor, id, body) });
  });

  router.delete('/chats/:id/participants/:userId', async (req, res) => {
    const { id, userId } = parseInput(participantParams, req.params);
    await removeParticipant(ctx, res.locals.actor, id, userId);
    res.status(204).end();
  });

  router.get('/chats/:id/messages', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    const page = await listMessages(
      ctx,
      res.locals.actor,
      id,
      parseInput(messagesQuery, req.query),
    );
    res.json({ data: page.messages, meta: { has_more: page.hasMore } });
  });

  router.post('/chats/:id/messages', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    const body = parseInput(sendMessageBody, req.body);
    const result = await sendMessage(ctx, res.locals.actor, {
      chatId: id,
      content: body.content,
      tempId: body.temp_id,
      replyToId: body.reply_to_id,
    });
    res.status(result.created ? 201 : 200).json({ data: result.message });
  });

  router.put('/chats/:id/read', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    const body = parseInput(markChatReadBody, req.body ?? {});
    res.json({ data: await markChatRead(ctx, res.locals.actor, id, body.seq) });
  });

  return router;
}
