import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { JwtConfig } from '@kelisim/config';
import type { Authenticated } from './authenticate.js';
import { createAuthenticator } from './authenticate.js';
import { createCredentialCheck, type LiveCredentialStore } from './credential-check.js';
import type { CacheReader } from './jwt-blacklist.js';
import { mintToken } from './mint-token.js';
import { blacklistTestRedis } from './test-blacklist.js';

const { redis, namespace, blacklist } = blacklistTestRedis();

const jwtConfig: JwtConfig = {
  secret: 'credential-check-secret',
  algorithm: 'HS256',
  leewaySeconds: 5,
  ttlMinutes: 60,
  issuer: 'http://localhost',
};
const store = `${namespace}laravel_database_laravel_cache_:`;
// sha1('tag:tymon.jwt:entries')
const entries = 'ca7581d6d4749d8fd143ea956aa654aa02abe0ec';
const loggedOutNow = () => `a:1:{s:11:"valid_until";i:${Math.floor(Date.now() / 1000)};}`;

/** The real Redis, with every command the check sends counted. */
function countingCache(): CacheReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get: (key) => (calls.push('GET'), redis.get(key)),
    mget: (keys) => (calls.push('MGET'), redis.mget(keys)),
  };
}

/** Laravel's `users` and `personal_access_tokens`, by id, with every query counted. */
function rows(users: number[], tokens: bigint[] = []) {
  const queries: string[] = [];
  const live: LiveCredentialStore & { queries: string[] } = {
    queries,
    existingUserIds: (ids) => (
      queries.push('users'),
      Promise.resolve(ids.filter((id) => users.includes(id)))
    ),
    existingSanctumTokenIds: (ids) => (
      queries.push('personal_access_tokens'),
      Promise.resolve(ids.filter((id) => tokens.includes(id)))
    ),
  };
  return live;
}

const jwt = (userId: number, jti: string): Authenticated => ({ userId, kind: 'jwt', jti });

describe('createCredentialCheck', () => {
  it('checks a whole round with one MGET and one query per table', async () => {
    await redis.setex(`${store}${entries}:gone`, 600, loggedOutNow());
    const cache = countingCache();
    const live = rows([1, 2, 3], [10n]);
    const check = createCredentialCheck(
      { ...jwtConfig, blacklist },
      { laravelCache: cache, store: live },
    );
    const credentials: Authenticated[] = [
      jwt(1, 'gone'),
      jwt(1, 'kept'),
      jwt(2, 'also-kept'),
      { userId: 3, kind: 'sanctum', sanctumTokenId: 10n },
      { userId: 3, kind: 'sanctum', sanctumTokenId: 11n },
      jwt(4, 'user-gone'),
    ];

    const round = await check.revoked(credentials);

    expect([...round.revoked.entries()]).toEqual([
      [credentials[0], 'logged_out'],
      [credentials[4], 'token_revoked'],
      [credentials[5], 'user_deleted'],
    ]);
    expect(round.failed).toEqual([]);
    expect(cache.calls).toEqual(['MGET']);
    expect(live.queries.sort()).toEqual(['personal_access_tokens', 'users']);
  });

  it('reads the tag id once before the MGET in namespace mode (Laravel 9 and earlier)', async () => {
    await redis.set(`${store}tag:tymon.jwt:key`, '657812345678901234567');
    // sha1('657812345678901234567')
    await redis.set(`${store}f06c25ff916b33c9e456b0e414df28168fa5914f:old`, 's:7:"forever";');
    const cache = countingCache();
    const check = createCredentialCheck(
      { ...jwtConfig, blacklist: { ...blacklist, tagMode: 'namespace' } },
      { laravelCache: cache, store: rows([1]) },
    );
    const credentials = [jwt(1, 'old'), jwt(1, 'new')];

    const round = await check.revoked(credentials);

    expect([...round.revoked.values()]).toEqual(['logged_out']);
    expect(round.revoked.get(credentials[0]!)).toBe('logged_out');
    expect(cache.calls).toEqual(['GET', 'MGET']);
  });

  it('fails open per lookup: a Redis outage keeps tokens, deleted users still go', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    const check = createCredentialCheck(
      { ...jwtConfig, blacklist },
      { laravelCache: unreachable, store: rows([1]) },
    );
    const credentials = [jwt(1, 'unknown'), jwt(2, 'deleted-user')];

    const round = await check.revoked(credentials);

    expect([...round.revoked.entries()]).toEqual([[credentials[1], 'user_deleted']]);
    expect(round.failed.map((f) => f.source)).toEqual(['blacklist']);
    unreachable.disconnect();
  });

  it('asks only what the round needs: no Sanctum query without Sanctum tokens, nothing for none', async () => {
    const live = rows([7]);
    const check = createCredentialCheck(jwtConfig, { store: live });

    expect((await check.revoked([])).revoked.size).toBe(0);
    expect(live.queries).toEqual([]);
    expect((await check.revoked([jwt(7, 'x')])).revoked.size).toBe(0);
    expect(live.queries).toEqual(['users']);
  });

  it('knows when a credential stops being accepted: exp plus JWT_LEEWAY for JWTs', async () => {
    const check = createCredentialCheck(jwtConfig, { store: rows([]) });
    const authenticate = createAuthenticator(jwtConfig);
    const now = Math.floor(Date.now() / 1000);
    const credential = await authenticate(
      mintToken(jwtConfig, 9, { claims: { exp: now + 60, jti: 'abc' } }),
    );

    expect(credential).toEqual({
      userId: 9,
      kind: 'jwt',
      expiresAt: new Date((now + 60) * 1000),
      jti: 'abc',
    });
    expect(check.acceptedUntil(credential)).toEqual(new Date((now + 65) * 1000));
    const expiresAt = new Date();
    expect(check.acceptedUntil({ userId: 9, kind: 'sanctum', expiresAt })).toEqual(expiresAt);
    expect(check.acceptedUntil({ userId: 9, kind: 'sanctum' })).toBeUndefined();
  });
});
