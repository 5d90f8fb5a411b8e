import { createHash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { JwtBlacklistConfig, JwtConfig } from '@kelisim/config';
import type { Db } from '@kelisim/db';
import { testJwtConfig } from './fixtures.js';

/** The Redis commands Laravel's cache store writes with (an ioredis client fits). */
interface RedisWriter {
  setex(key: string, seconds: number, value: string): Promise<unknown>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
}

/** Blacklist on, Laravel 10+ layout, the default prefixes under the test's own Redis namespace. */
export function testBlacklistConfig(keyPrefix: string): JwtBlacklistConfig {
  return {
    enabled: true,
    redisDb: 0,
    redisPrefix: `${keyPrefix}laravel_database_`,
    cachePrefix: 'laravel_cache_',
    tagMode: 'entries',
  };
}

/** testJwtConfig with jwt-auth's blacklist (under `keyPrefix`) and Sanctum turned on. */
export function laravelAuthConfig(keyPrefix: string): JwtConfig {
  return {
    ...testJwtConfig,
    blacklist: testBlacklistConfig(keyPrefix),
    sanctum: { enabled: true, userModel: 'App\\Models\\User' },
  };
}

/**
 * What `auth()->logout()` / `JWTAuth::invalidate()` leaves in Redis on Laravel 10+ with the Redis
 * cache store: `put($jti, ['valid_until' => now], $minutes)` through `cache()->tags('tymon.jwt')`.
 * Written literally, not with the code under test.
 */
export async function invalidateInLaravel(
  redis: RedisWriter,
  blacklist: JwtBlacklistConfig,
  token: string,
): Promise<void> {
  const store = `${blacklist.redisPrefix}${blacklist.cachePrefix}:`;
  // sha1('tag:tymon.jwt:entries')
  const key = `ca7581d6d4749d8fd143ea956aa654aa02abe0ec:${jtiOf(token)}`;
  const now = Math.floor(Date.now() / 1000);
  await redis.zadd(`${store}tag:tymon.jwt:entries`, now + 20_220 * 60, key);
  await redis.setex(`${store}${key}`, 20_220 * 60, `a:1:{s:11:"valid_until";i:${now};}`);
}

function jtiOf(token: string): string {
  const payload = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8');
  return (JSON.parse(payload) as { jti: string }).jti;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface SanctumTokenOptions {
  tokenableType?: string;
  expiresAt?: Date | null;
}

/**
 * A row as Sanctum 4's `$user->createToken('api')` inserts it; returns the `<id>|<plain text>`
 * the client gets (40 random characters plus their crc32b, like Sanctum's generateTokenString).
 */
export async function createSanctumToken(
  db: Db,
  userId: number,
  options: SanctumTokenOptions = {},
): Promise<{ id: number; bearer: string }> {
  const entropy = Array.from({ length: 40 }, () => alphabet[randomInt(alphabet.length)]).join('');
  const plainText = `${entropy}${crc32(entropy).toString(16).padStart(8, '0')}`;
  const hash = createHash('sha256').update(plainText).digest('hex');
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  await db.$executeRaw`
    INSERT INTO personal_access_tokens
      (tokenable_type, tokenable_id, name, token, abilities, expires_at, created_at, updated_at)
    VALUES (${options.tokenableType ?? 'App\\Models\\User'}, ${userId}, 'api', ${hash}, '["*"]',
      ${options.expiresAt ?? null}, ${now}, ${now})`;
  const [row] = await db.$queryRaw<
    { id: bigint }[]
  >`SELECT id FROM personal_access_tokens WHERE token = ${hash}`;
  const id = Number(row?.id);
  return { id, bearer: `${id}|${plainText}` };
}
