import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSanctumToken,
  createUser,
  deleteKeysUnder,
  invalidateInLaravel,
  laravelAuthConfig,
  refusedSanctumTokens,
  testJwtConfig,
  testRedisConfig,
  tokenFor,
  type RefusedToken,
  type TestUser,
} from '@kelisim/testing';
import { createApiHarness, type ApiHarness } from '../test-api.js';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('jwt-auth blacklist (JWT_BLACKLIST_ENABLED)', () => {
  let h: ApiHarness;
  let user: TestUser;
  const { keyPrefix } = testRedisConfig();
  const jwt = laravelAuthConfig(keyPrefix);

  beforeAll(async () => {
    h = await createApiHarness('auth_blacklist', { jwt });
    user = await createUser(h.database.db, 'Revoked');
  });
  afterAll(async () => {
    await deleteKeysUnder(h.redis, keyPrefix);
    await h.close();
  });

  it('answers 401 to a token Laravel blacklisted, 200 to another token of the same user', async () => {
    const [loggedOut, current] = [tokenFor(user.id), tokenFor(user.id)];
    await invalidateInLaravel(h.redis, jwt.blacklist!, loggedOut);

    const refused = await h.http.get('/api/chats').set(bearer(loggedOut));
    const accepted = await h.http.get('/api/chats').set(bearer(current));

    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      code: 'unauthenticated',
      message: 'Token has been blacklisted.',
    });
    expect(accepted.status).toBe(200);
  });

  it('ignores the blacklist when it is disabled', async () => {
    const off = await createApiHarness('auth_blacklist_off', {
      jwt: { ...jwt, blacklist: { ...jwt.blacklist!, enabled: false } },
    });
    try {
      const offUser = await createUser(off.database.db, 'Off');
      const token = tokenFor(offUser.id);
      await invalidateInLaravel(h.redis, jwt.blacklist!, token);

      expect((await off.http.get('/api/chats').set(bearer(token))).status).toBe(200);
    } finally {
      await off.close();
    }
  });

  it('answers 503, not 200, when the blacklist cannot be read (fails closed)', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    const down = await createApiHarness('auth_blacklist_down', {
      jwt,
      laravelCache: unreachable,
    });
    try {
      const downUser = await createUser(down.database.db, 'Down');

      const res = await down.http.get('/api/chats').set(bearer(tokenFor(downUser.id)));

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'unavailable' });
    } finally {
      unreachable.disconnect();
      await down.close();
    }
  });
});

describe('Sanctum personal access tokens (SANCTUM_ENABLED)', () => {
  let h: ApiHarness;
  let user: TestUser;

  beforeAll(async () => {
    h = await createApiHarness('auth_sanctum', {
      jwt: { ...testJwtConfig, sanctum: { enabled: true, userModel: 'App\\Models\\User' } },
    });
    user = await createUser(h.database.db, 'Sanctum');
  });
  afterAll(() => h.close());

  const lastUsedAt = async (id: number) =>
    (await h.database.db.personalAccessToken.findUniqueOrThrow({ where: { id } })).lastUsedAt;

  it('answers 200 to a token from createToken() and records last_used_at', async () => {
    const { id, bearer: token } = await createSanctumToken(h.database.db, user.id);
    expect(await lastUsedAt(id)).toBeNull();
    const before = Math.floor(Date.now() / 1000) * 1000;

    const res = await h.http.get('/api/chats').set(bearer(token));

    expect(res.status).toBe(200);
    const recorded = await lastUsedAt(id);
    expect(recorded?.getTime()).toBeGreaterThanOrEqual(before);
    expect(recorded?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('writes last_used_at once, not on every request within a minute', async () => {
    const { id, bearer: token } = await createSanctumToken(h.database.db, user.id);
    await h.http.get('/api/chats').set(bearer(token));
    const first = await lastUsedAt(id);
    const marker = new Date(first!.getTime() - 30_000);
    await h.database.db.personalAccessToken.update({ where: { id }, data: { lastUsedAt: marker } });

    expect((await h.http.get('/api/unread-count').set(bearer(token))).status).toBe(200);

    expect(await lastUsedAt(id)).toEqual(marker);
  });

  it.each<RefusedToken>([
    ...refusedSanctumTokens,
    [
      'an unknown id',
      async (db, userId) =>
        `987654321|${(await createSanctumToken(db, userId)).bearer.split('|')[1]}`,
    ],
    [
      'a token of a user missing from users',
      async (db) => (await createSanctumToken(db, 987_654_321)).bearer,
    ],
  ])('answers 401 to %s', async (_reason, mint) => {
    const res = await h.http.get('/api/chats').set(bearer(await mint(h.database.db, user.id)));

    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'unauthenticated' });
  });

  it('answers 401 to a Sanctum token when Sanctum is disabled', async () => {
    const off = await createApiHarness('auth_sanctum_off', { jwt: testJwtConfig });
    try {
      const offUser = await createUser(off.database.db, 'Off');
      const { bearer: token } = await createSanctumToken(off.database.db, offUser.id);

      expect((await off.http.get('/api/chats').set(bearer(token))).status).toBe(401);
    } finally {
      await off.close();
    }
  });
});
