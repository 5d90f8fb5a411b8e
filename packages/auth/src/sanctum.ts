import { createHash, timingSafeEqual } from 'node:crypto';
import type { SanctumConfig } from '@kelisim/config';
import { invalidToken, tokenMessages, unauthenticated } from './auth-errors.js';
import { parseUserId } from './verify-token.js';

/**
 * Laravel Sanctum personal access tokens, checked the way Sanctum's `Guard` and
 * `PersonalAccessToken::findToken` do: the bearer is `<id>|<plain text>`, the row's `token` is the
 * sha256 hex of the plain text, `expires_at` (and Sanctum's `expiration` minutes after
 * `created_at`, when configured) must not have passed, and `tokenable_type` must be the user model.
 */

/** The columns of Laravel's `personal_access_tokens` this check reads. */
export interface SanctumTokenRow {
  id: bigint;
  tokenableType: string;
  tokenableId: bigint;
  token: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date | null;
}

export interface SanctumTokenStore {
  find(id: bigint): Promise<SanctumTokenRow | null>;
  /** Sets `last_used_at` to `at`, unless another node already did so after `notUsedSince`. */
  markUsed(id: bigint, at: Date, notUsedSince: Date): Promise<void>;
}

export interface SanctumToken {
  id: bigint;
  plainText: string;
}

/** Sanctum writes `last_used_at` on every request; once a minute per token is enough here. */
const LAST_USED_RESOLUTION_MS = 60_000;

const maxTokenId = 2n ** 64n - 1n;

/** `<digits>|<anything>` as Sanctum's `isValidBearerToken` accepts it; anything else is not one. */
export function parseSanctumToken(bearer: string): SanctumToken | undefined {
  const match = /^([0-9]{1,20})\|(.+)$/s.exec(bearer);
  if (!match?.[1] || !match[2]) return undefined;
  return { id: BigInt(match[1]), plainText: match[2] };
}

export interface VerifiedSanctumToken {
  userId: number;
  tokenId: bigint;
  /** When the token stops being accepted (`expires_at` or SANCTUM_EXPIRATION), if ever. */
  expiresAt: Date | undefined;
}

/** Resolves to the token's user, or rejects with `unauthenticated`. */
export function createSanctumVerifier(
  config: Pick<SanctumConfig, 'userModel' | 'expirationMinutes'>,
  store: SanctumTokenStore,
): (token: SanctumToken, now: Date) => Promise<VerifiedSanctumToken> {
  return async ({ id, plainText }, now) => {
    const row = id > 0n && id <= maxTokenId ? await store.find(id) : null;
    if (!row || !hashMatches(row.token, plainText)) throw invalidToken();
    if (row.tokenableType !== config.userModel) throw invalidToken();
    if (isExpired(row, config.expirationMinutes, now)) {
      throw unauthenticated(tokenMessages.expired);
    }
    const userId = parseUserId(row.tokenableId.toString());
    if (userId === undefined) throw invalidToken();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await store.markUsed(row.id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
    }
    return { userId, tokenId: row.id, expiresAt: expiry(row, config.expirationMinutes) };
  };
}

function expiry(row: SanctumTokenRow, expirationMinutes: number | undefined): Date | undefined {
  const byConfig =
    expirationMinutes === undefined || !row.createdAt
      ? undefined
      : row.createdAt.getTime() + expirationMinutes * 60_000;
  const times = [row.expiresAt?.getTime(), byConfig].filter((t) => t !== undefined);
  return times.length === 0 ? undefined : new Date(Math.min(...times));
}

function hashMatches(stored: string, plainText: string): boolean {
  const expected = Buffer.from(stored, 'utf8');
  const actual = Buffer.from(createHash('sha256').update(plainText, 'utf8').digest('hex'), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function isExpired(row: SanctumTokenRow, expirationMinutes: number | undefined, now: Date) {
  if (row.expiresAt && row.expiresAt.getTime() < now.getTime()) return true;
  if (expirationMinutes === undefined) return false;
  // Sanctum compares created_at with now minus the expiration; a row without one cannot pass.
  if (!row.createdAt) return true;
  return row.createdAt.getTime() + expirationMinutes * 60_000 <= now.getTime();
}
