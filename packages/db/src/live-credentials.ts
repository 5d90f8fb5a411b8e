import type { Db } from './client.js';
import { Prisma } from './generated/prisma/client.js';

/**
 * What the live re-check of connected sockets asks MySQL, once per round for all of a node's
 * sockets: which users still exist and which Sanctum tokens are still there (not revoked).
 */
export function createLiveCredentialStore(db: Db) {
  return {
    async existingUserIds(ids: readonly number[]): Promise<number[]> {
      if (ids.length === 0) return [];
      const rows = await db.$queryRaw<{ id: bigint }[]>`
        SELECT id FROM users WHERE id IN (${Prisma.join(ids)})`;
      return rows.map((row) => Number(row.id));
    },

    async existingSanctumTokenIds(ids: readonly bigint[]): Promise<bigint[]> {
      if (ids.length === 0) return [];
      const rows = await db.$queryRaw<{ id: bigint }[]>`
        SELECT id FROM personal_access_tokens WHERE id IN (${Prisma.join(ids)})`;
      return rows.map((row) => BigInt(row.id));
    },
  };
}
