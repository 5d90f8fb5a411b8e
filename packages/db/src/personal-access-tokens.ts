import type { Db } from './client.js';

/**
 * Laravel Sanctum's `personal_access_tokens`, as `@kelisim/auth` reads it (its
 * `SanctumTokenStore`). Laravel owns the rows; this service only moves `last_used_at` forward.
 */
export function createSanctumTokenStore(db: Db) {
  return {
    find(id: bigint) {
      return db.personalAccessToken.findUnique({
        where: { id },
        select: {
          id: true,
          tokenableType: true,
          tokenableId: true,
          token: true,
          lastUsedAt: true,
          expiresAt: true,
          createdAt: true,
        },
      });
    },

    /** Conditional, so racing nodes write once; sets updated_at too, as Eloquent's save() does. */
    async markUsed(id: bigint, at: Date, notUsedSince: Date): Promise<void> {
      const seconds = new Date(Math.floor(at.getTime() / 1000) * 1000);
      await db.personalAccessToken.updateMany({
        where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: notUsedSince } }] },
        data: { lastUsedAt: seconds, updatedAt: seconds },
      });
    },
  };
}
