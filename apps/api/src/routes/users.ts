import { Router } from 'express';
import { mintToken } from '@kelisim/auth';
import type { DemoConfig, JwtConfig } from '@kelisim/config';
import { AppError, demoTokenBody, userIdParams, usersQuery } from '@kelisim/contracts';
import {
  blockUser,
  getUserProfile,
  issueDemoToken,
  listBlocks,
  listDemoUsers,
  searchUsers,
  unblockUser,
  type DomainContext,
  type TokenMinter,
} from '@kelisim/domain';
import { parseInput } from '../http/validate.js';

/** `GET /me`, `GET /users` and blocks, behind `requireUser`. */
export function userRoutes(ctx: DomainContext): Router {
  const router = Router();

  router.get('/me', async (_req, res) => {
    res.json({ data: await getUserProfile(ctx.db, res.locals.actor.userId) });
  });

  router.get('/users', async (req, res) => {
    res.json({ data: await searchUsers(ctx, parseInput(usersQuery, req.query)) });
  });

  router.post('/users/:id/block', async (req, res) => {
    const { id } = parseInput(userIdParams, req.params);
    const result = await blockUser(ctx, res.locals.actor, id);
    res.status(result.created ? 201 : 200).json({ data: result.block });
  });

  router.delete('/users/:id/block', async (req, res) => {
    const { id } = parseInput(userIdParams, req.params);
    await unblockUser(ctx, res.locals.actor, id);
    res.status(204).end();
  });

  router.get('/blocks', async (_req, res) => {
    res.json({ data: await listBlocks(ctx, res.locals.actor) });
  });

  return router;
}

/** Demo mode's password-less sign-in; without it every `/demo` path is a 404. */
export interface DemoOptions {
  mint: TokenMinter;
}

/** Signs demo tokens exactly like `pnpm run token`, with the demo lifetime; off: undefined. */
export function demoOptions(jwt: JwtConfig, demo: DemoConfig): DemoOptions | undefined {
  if (!demo.enabled) return undefined;
  return { mint: (userId) => mintToken(jwt, userId, { ttlMinutes: demo.tokenTtlMinutes }) };
}

/** `GET /demo/users` and `POST /demo/token`: no authentication, mounted before `requireUser`. */
export function demoRoutes(ctx: DomainContext, demo: DemoOptions | undefined): Router {
  const router = Router();
  if (!demo) {
    router.use('/demo', () => {
      throw new AppError('not_found', 'Not found.');
    });
    return router;
  }

  router.get('/demo/users', async (_req, res) => {
    res.json({ data: await listDemoUsers(ctx.db) });
  });

  router.post('/demo/token', async (req, res) => {
    const { user_id } = parseInput(demoTokenBody, req.body ?? {});
    res.json({ data: await issueDemoToken(ctx.db, demo.mint, user_id) });
  });

  return router;
}
