import { Router } from 'express';
import { messageIdParams, messageStatusBody } from '@kelisim/contracts';
import {
  deleteMessage,
  getUnreadCounts,
  markMessageRead,
  type DomainContext,
} from '@kelisim/domain';
import { parseInput } from '../http/validate.js';

export function messageRoutes(ctx: DomainContext): Router {
  const router = Router();

  router.put('/messages/:id/status', async (req, res) => {
    const { id } = parseInput(messageIdParams, req.params);
    parseInput(messageStatusBody, req.body);
    res.json({ data: await markMessageRead(ctx, res.locals.actor, id) });
  });

  router.delete('/messages/:id', async (req, res) => {
    const { id } = parseInput(messageIdParams, req.params);
    res.json({ data: await deleteMessage(ctx, res.locals.actor, id) });
  });

  router.get('/unread-count', async (_req, res) => {
    res.json({ data: await getUnreadCounts(ctx, res.locals.actor) });
  });

  return router;
}
