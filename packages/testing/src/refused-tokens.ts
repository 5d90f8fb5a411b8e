import type { Db } from '@kelisim/db';
import { createSanctumToken } from './laravel-auth.js';

/** Why a token must be refused, and how to mint one such token for a user of `db`. */
export type RefusedToken = [reason: string, mint: (db: Db, userId: number) => Promise<string>];

/** Sanctum tokens of an existing user that every entry point (REST, socket) must refuse. */
export const refusedSanctumTokens: RefusedToken[] = [
  [
    'a wrong plain text',
    async (db, userId) => `${(await createSanctumToken(db, userId)).id}|${'x'.repeat(48)}`,
  ],
  [
    'an expired token',
    async (db, userId) =>
      (await createSanctumToken(db, userId, { expiresAt: new Date(Date.now() - 60_000) })).bearer,
  ],
  [
    'a token of another tokenable_type',
    async (db, userId) =>
      (await createSanctumToken(db, userId, { tokenableType: 'App\\Models\\Admin' })).bearer,
  ],
];
