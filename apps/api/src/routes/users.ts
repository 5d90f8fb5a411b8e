import { mintToken } from '@kelisim/auth';
import type { DemoConfig, JwtConfig } from '@kelisim/config';
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
import type { RestHandlers } from '../http/rest-router.js';

/** The signed-in user, other users and my blocks. */
export function userHandlers(ctx: DomainContext) {
  return {
    me: async ({ actor }, res) => {
      res.json({ data: await getUserProfile(ctx.db, actor.userId) });
    },

    searchUsers: async ({ query }, res) => {
      res.json({ data: await searchUsers(ctx, query) });
    },

    blockUser: async ({ actor, params }, res) => {
      const result = await blockUser(ctx, actor, params.id);
      res.status(result.created ? 201 : 200).json({ data: result.block });
    },

    unblockUser: async ({ actor, params }, res) => {
      await unblockUser(ctx, actor, params.id);
      res.status(204).end();
    },

    listBlocks: async ({ actor }, res) => {
      res.json({ data: await listBlocks(ctx, actor) });
    },
  } satisfies Partial<RestHandlers>;
}

/** Demo mode's password-less sign-in (`/demo/users`, `/demo/token`); without it both are 404s. */
export interface DemoOptions {
  mint: TokenMinter;
}

/** Signs demo tokens exactly like `pnpm run token`, with the demo lifetime; off: undefined. */
export function demoOptions(jwt: JwtConfig, demo: DemoConfig): DemoOptions | undefined {
  if (!demo.enabled) return undefined;
  return { mint: (userId) => mintToken(jwt, userId, { ttlMinutes: demo.tokenTtlMinutes }) };
}

/** Demo mode's sign-in, answered without a token; while demo mode is off both are 404s. */
export function demoHandlers(ctx: DomainContext, demo: DemoOptions | undefined) {
  if (!demo) return { demoUsers: null, demoToken: null } satisfies Partial<RestHandlers>;
  return {
    demoUsers: async (_request, res) => {
      res.json({ data: await listDemoUsers(ctx.db) });
    },

    demoToken: async ({ body }, res) => {
      res.json({ data: await issueDemoToken(ctx.db, demo.mint, body.user_id) });
    },
  } satisfies Partial<RestHandlers>;
}
