import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { JwtConfig } from '@kelisim/config';
import { AppError } from '@kelisim/contracts';
import { createAuthenticator, type Authenticate } from './authenticate.js';
import { mintToken } from './mint-token.js';
import type { SanctumTokenRow, SanctumTokenStore } from './sanctum.js';
import { blacklistTestRedis } from './test-blacklist.js';

const { redis, blacklist } = blacklistTestRedis();

const jwtConfig: JwtConfig = {
  secret: 'authenticate-test-secret',
  algorithm: 'HS256',
  leewaySeconds: 0,
  ttlMinutes: 60,
  issuer: 'http://localhost',
};
const USER_MODEL = 'App\\Models\\User';

function jtiOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
  return payload.jti as string;
}

/** Laravel 10+ with Redis cache: `JWTAuth::invalidate()` for this token, grace period 0. */
async function invalidateInLaravel(token: string): Promise<void> {
  const tagNamespace = 'ca7581d6d4749d8fd143ea956aa654aa02abe0ec'; // sha1('tag:tymon.jwt:entries')
  const key = `${blacklist.redisPrefix}laravel_cache_:${tagNamespace}:${jtiOf(token)}`;
  await redis.setex(key, 3600, `a:1:{s:11:"valid_until";i:${Math.floor(Date.now() / 1000)};}`);
}

async function rejection(authenticate: Authenticate, token: string): Promise<AppError> {
  const error: unknown = await authenticate(token).then(
    () => new Error('expected the token to be rejected'),
    (rejected: unknown) => rejected,
  );
  if (error instanceof AppError) return error;
  throw error;
}

describe('createAuthenticator: jwt-auth tokens', () => {
  it('yields the user id and kind jwt', async () => {
    const authenticate = createAuthenticator(jwtConfig);
    expect(await authenticate(mintToken(jwtConfig, 42))).toMatchObject({ userId: 42, kind: 'jwt' });
  });

  it('refuses a token Laravel blacklisted and accepts another of the same user', async () => {
    const authenticate = createAuthenticator({ ...jwtConfig, blacklist }, { laravelCache: redis });
    const [revoked, current] = [mintToken(jwtConfig, 7), mintToken(jwtConfig, 7)];
    await invalidateInLaravel(revoked);

    const error = await rejection(authenticate, revoked);
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: 'Token has been blacklisted.',
    });
    expect(await authenticate(current)).toMatchObject({ userId: 7, kind: 'jwt' });
  });

  it('ignores the blacklist when it is disabled', async () => {
    const disabled = { ...jwtConfig, blacklist: { ...blacklist, enabled: false } };
    const authenticate = createAuthenticator(disabled, { laravelCache: redis });
    const token = mintToken(jwtConfig, 8);
    await invalidateInLaravel(token);

    expect(await authenticate(token)).toMatchObject({ userId: 8, kind: 'jwt' });
  });

  it('refuses a token without jti while the blacklist is on', async () => {
    const authenticate = createAuthenticator({ ...jwtConfig, blacklist }, { laravelCache: redis });
    const token = mintToken(jwtConfig, 9, { claims: { jti: undefined } });

    expect(await rejection(authenticate, token)).toMatchObject({ message: 'Token is invalid.' });
  });

  it('answers unavailable, never the user, when the blacklist cannot be read', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    const authenticate = createAuthenticator(
      { ...jwtConfig, blacklist },
      { laravelCache: unreachable },
    );

    const error = await rejection(authenticate, mintToken(jwtConfig, 10));

    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    unreachable.disconnect();
  });

  it('checks the signature before it asks Redis', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    const authenticate = createAuthenticator(
      { ...jwtConfig, blacklist },
      { laravelCache: unreachable },
    );

    const forged = mintToken({ ...jwtConfig, secret: 'forged' }, 1);

    expect(await rejection(authenticate, forged)).toMatchObject({ code: 'unauthenticated' });
    unreachable.disconnect();
  });

  it('refuses to start with the blacklist on but no cache to read it from', () => {
    expect(() => createAuthenticator({ ...jwtConfig, blacklist })).toThrow(/JWT_BLACKLIST_ENABLED/);
  });
});

/** `personal_access_tokens` in memory, with the database store's conditional update. */
class MemoryTokens implements SanctumTokenStore {
  readonly rows = new Map<bigint, SanctumTokenRow>();
  writes = 0;
  private nextId = 1n;

  /** Like Sanctum's `createToken()`: returns `<id>|<plain text>`, stores the sha256. */
  create(tokenableId: number, overrides: Partial<SanctumTokenRow> = {}): string {
    const id = this.nextId++;
    const plainText = randomBytes(30).toString('base64url').slice(0, 40);
    this.rows.set(id, {
      id,
      tokenableType: USER_MODEL,
      tokenableId: BigInt(tokenableId),
      token: createHash('sha256').update(plainText).digest('hex'),
      lastUsedAt: null,
      expiresAt: null,
      createdAt: new Date(),
      ...overrides,
    });
    return `${id}|${plainText}`;
  }

  find(id: bigint): Promise<SanctumTokenRow | null> {
    return Promise.resolve(this.rows.get(id) ?? null);
  }

  markUsed(id: bigint, at: Date, notUsedSince: Date): Promise<void> {
    const row = this.rows.get(id);
    if (row && (!row.lastUsedAt || row.lastUsedAt <= notUsedSince)) {
      row.lastUsedAt = at;
      this.writes++;
    }
    return Promise.resolve();
  }
}

describe('createAuthenticator: Sanctum personal access tokens', () => {
  const sanctumConfig = { ...jwtConfig, sanctum: { enabled: true, userModel: USER_MODEL } };
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

  it('accepts id|plain text and yields the tokenable id with kind sanctum', async () => {
    const tokens = new MemoryTokens();
    const authenticate = createAuthenticator(sanctumConfig, { sanctumTokens: tokens });

    expect(await authenticate(tokens.create(31))).toMatchObject({ userId: 31, kind: 'sanctum' });
  });

  it('still accepts jwt-auth tokens next to Sanctum ones', async () => {
    const authenticate = createAuthenticator(sanctumConfig, { sanctumTokens: new MemoryTokens() });
    expect(await authenticate(mintToken(jwtConfig, 5))).toMatchObject({ userId: 5, kind: 'jwt' });
  });

  it.each([
    ['a wrong plain text', (t: MemoryTokens) => `${t.create(1).split('|')[0]}|${'x'.repeat(40)}`],
    ['an unknown id', (t: MemoryTokens) => `999|${t.create(1).split('|')[1]}`],
    ['id 0', () => `0|${'x'.repeat(40)}`],
    ['an id beyond BIGINT UNSIGNED', () => `18446744073709551616|${'x'.repeat(40)}`],
    ['another tokenable_type', (t: MemoryTokens) => t.create(1, { tokenableType: 'App\\Admin' })],
    ['an empty plain text', () => '1|'],
  ])('refuses %s as invalid', async (_label, token) => {
    const tokens = new MemoryTokens();
    const authenticate = createAuthenticator(sanctumConfig, { sanctumTokens: tokens });

    expect(await rejection(authenticate, token(tokens))).toMatchObject({
      code: 'unauthenticated',
      message: 'Token is invalid.',
    });
  });

  it('refuses a token whose expires_at has passed, accepts one that has not', async () => {
    const tokens = new MemoryTokens();
    const authenticate = createAuthenticator(sanctumConfig, { sanctumTokens: tokens });

    const expired = tokens.create(1, { expiresAt: minutesAgo(1) });
    const current = tokens.create(2, { expiresAt: minutesAgo(-60) });

    expect(await rejection(authenticate, expired)).toMatchObject({ message: 'Token has expired.' });
    expect(await authenticate(current)).toMatchObject({ userId: 2, kind: 'sanctum' });
  });

  it("applies Sanctum's expiration minutes to created_at when configured", async () => {
    const tokens = new MemoryTokens();
    const authenticate = createAuthenticator(
      { ...jwtConfig, sanctum: { enabled: true, userModel: USER_MODEL, expirationMinutes: 60 } },
      { sanctumTokens: tokens },
    );

    const old = tokens.create(1, { createdAt: minutesAgo(61) });

    expect(await rejection(authenticate, old)).toMatchObject({ message: 'Token has expired.' });
    expect(await authenticate(tokens.create(1, { createdAt: minutesAgo(59) }))).toMatchObject({
      userId: 1,
    });
  });

  it('records last_used_at at most once a minute per token', async () => {
    const tokens = new MemoryTokens();
    let now = new Date('2030-01-01T00:00:00Z');
    const authenticate = createAuthenticator(sanctumConfig, {
      sanctumTokens: tokens,
      now: () => now,
    });
    const token = tokens.create(4, { createdAt: now });

    await authenticate(token);
    now = new Date('2030-01-01T00:00:59Z');
    await authenticate(token);
    expect(tokens.writes).toBe(1);
    expect(tokens.rows.get(1n)?.lastUsedAt).toEqual(new Date('2030-01-01T00:00:00Z'));

    now = new Date('2030-01-01T00:01:00Z');
    await authenticate(token);
    expect(tokens.writes).toBe(2);
    expect(tokens.rows.get(1n)?.lastUsedAt).toEqual(now);
  });

  it('treats id|token as an (invalid) JWT when Sanctum is disabled', async () => {
    const tokens = new MemoryTokens();
    const authenticate = createAuthenticator(jwtConfig, { sanctumTokens: tokens });

    expect(await rejection(authenticate, tokens.create(1))).toMatchObject({
      message: 'Token is invalid.',
    });
  });
});
