import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '@kelisim/auth';
import { ConfigError } from '@kelisim/config';
import { demoEmailDomain } from '@kelisim/domain';
import { silentLogger } from '@kelisim/logger';
import {
  createMemoryRateLimiter,
  createUser,
  looseMembershipLimiters,
  RecordingJobQueue,
  RecordingPublisher,
  testJwtConfig,
  tokenFor,
  type TestUser,
} from '@kelisim/testing';
import { createApp } from './app.js';
import { loadApiConfig } from './config.js';
import { demoOptions } from './routes/users.js';
import { createApiHarness, type ApiHarness } from './test-api.js';

let h: ApiHarness;
/** The same database, served by an app with demo mode on. */
let demo: ReturnType<typeof supertest>;
let ada: TestUser, grace: TestUser, alan: TestUser, percent: TestUser;

const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

beforeAll(async () => {
  h = await createApiHarness('users');
  // Inserted out of name order, so ordering by name is visible.
  grace = await createUser(h.database.db, 'Grace Hopper');
  ada = await createUser(h.database.db, 'Ada Lovelace');
  alan = await createUser(h.database.db, 'Alan Turing');
  percent = await createUser(h.database.db, 'Percy 100%_sure');
  demo = supertest(
    createApp({
      logger: silentLogger(),
      verifyToken: createAuthenticator(testJwtConfig),
      healthChecks: {},
      demo: demoOptions(testJwtConfig, { enabled: true, tokenTtlMinutes: 720 }),
      domain: {
        db: h.database.db,
        events: new RecordingPublisher(),
        jobs: new RecordingJobQueue(),
        sendRateLimiter: createMemoryRateLimiter(1000, 60),
        typingRateLimiter: createMemoryRateLimiter(1, 2),
        ...looseMembershipLimiters(),
        limits: { messageMaxLength: 10_000, groupMaxMembers: 1_000 },
      },
    }),
  );
});
afterAll(() => h.close());

describe('GET /api/me', () => {
  it('answers my id, name and email', async () => {
    const res = await h.http.get('/api/me').set(auth(ada));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { id: ada.id, name: ada.name, email: ada.email } });
  });

  it('needs a token', async () => {
    const res = await h.http.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthenticated');
  });
});

describe('GET /api/users', () => {
  const names = (body: { data: { name: string }[] }) => body.data.map((u) => u.name);

  it('needs a token', async () => {
    expect((await h.http.get('/api/users?search=ada')).status).toBe(401);
  });

  it('lists everyone by name without a search, ids and names only', async () => {
    const res = await h.http.get('/api/users').set(auth(ada));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { id: ada.id, name: 'Ada Lovelace' },
      { id: alan.id, name: 'Alan Turing' },
      { id: grace.id, name: 'Grace Hopper' },
      { id: percent.id, name: 'Percy 100%_sure' },
    ]);
  });

  it('matches a part of the name, or a whole email, case-insensitively', async () => {
    const byName = await h.http.get('/api/users?search=LOVEL').set(auth(grace));
    expect(names(byName.body)).toEqual(['Ada Lovelace']);
    const byEmail = await h.http
      .get(`/api/users?search=${encodeURIComponent(grace.email.toUpperCase())}`)
      .set(auth(ada));
    expect(names(byEmail.body)).toEqual(['Grace Hopper']);
    const trimmed = await h.http.get('/api/users?search=%20tUR%20').set(auth(ada));
    expect(trimmed.status).toBe(200);
    expect(names(trimmed.body)).toEqual(['Alan Turing']);
    expect(names((await h.http.get('/api/users?search=nobody').set(auth(ada))).body)).toEqual([]);
  });

  it('never matches a part of an email, so emails cannot be guessed letter by letter', async () => {
    // createUser's emails are "<name with dots>.<random>@example.test".
    const parts = ['hopper.', grace.email.slice(0, -1), grace.email.slice(1), '@example.test', '@'];
    for (const part of parts) {
      const res = await h.http.get(`/api/users?search=${encodeURIComponent(part)}`).set(auth(ada));
      expect(res.status).toBe(200);
      expect(names(res.body)).toEqual([]);
    }
  });

  it('takes % and _ literally', async () => {
    const percentSign = await h.http.get('/api/users?search=%25').set(auth(ada));
    expect(names(percentSign.body)).toEqual(['Percy 100%_sure']);
    const underscore = await h.http.get('/api/users?search=_').set(auth(ada));
    expect(names(underscore.body)).toEqual(['Percy 100%_sure']);
    const backslash = await h.http.get('/api/users?search=%5C').set(auth(ada));
    expect(names(backslash.body)).toEqual([]);
  });

  it('never sends emails of other users, even when the search matched one', async () => {
    const res = await h.http.get(`/api/users?search=${encodeURIComponent(grace.email)}`);
    expect(res.status).toBe(401);
    const found = await h.http
      .get(`/api/users?search=${encodeURIComponent(grace.email)}`)
      .set(auth(ada));
    expect(found.body.data).toEqual([{ id: grace.id, name: grace.name }]);
    expect(JSON.stringify(found.body)).not.toContain('@');
  });

  it('clamps the limit to 50 and answers 422 to garbage', async () => {
    const two = await h.http.get('/api/users?limit=2').set(auth(ada));
    expect(names(two.body)).toEqual(['Ada Lovelace', 'Alan Turing']);
    expect((await h.http.get('/api/users?limit=5000').set(auth(ada))).status).toBe(200);
    for (const query of ['limit=0', 'limit=ten', 'limit=-1', `search=${'x'.repeat(101)}`]) {
      const res = await h.http.get(`/api/users?${query}`).set(auth(ada));
      expect(res.status, query).toBe(422);
      expect(res.body.code).toBe('validation_failed');
    }
    const repeated = await h.http.get('/api/users?search=a&search=b').set(auth(ada));
    expect(repeated.status).toBe(422);
  });
});

describe('demo endpoints', () => {
  it('are 404s while demo mode is off, with or without a token', async () => {
    for (const request of [
      h.http.get('/api/demo/users'),
      h.http.post('/api/demo/token').send({ user_id: ada.id }),
      h.http.get('/api/demo/users').set(auth(ada)),
    ]) {
      const res = await request;
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('list the first users without a token when no demo users exist, emails included', async () => {
    const res = await demo.get('/api/demo/users');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(
      [grace, ada, alan, percent].map(({ id, name, email }) => ({ id, name, email })),
    );
  });

  it('mint a token like `pnpm run token` that works against /api/me', async () => {
    const res = await demo.post('/api/demo/token').send({ user_id: String(alan.id) });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toEqual({ id: alan.id, name: alan.name, email: alan.email });
    const { token } = res.body.data as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ sub: String(alan.id), iss: 'http://localhost/api/auth/login' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(12 * 60 * 60);
    expect(claims.jti).toMatch(/^[A-Za-z0-9]{16}$/);
    const me = await h.http.get('/api/me').set({ Authorization: `Bearer ${token}` });
    expect(me.body.data.id).toBe(alan.id);
  });

  it('answer 404 to an unknown user and 422 to a malformed body', async () => {
    const unknown = await demo.post('/api/demo/token').send({ user_id: 999_999_999 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    for (const body of [{}, { user_id: 'ada' }, { user_id: 0 }]) {
      const res = await demo.post('/api/demo/token').send(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors).toHaveProperty('user_id');
    }
  });

  it('list only the seeded demo users once there are some', async () => {
    const seeded = await createUser(h.database.db, 'Demo Person');
    await h.database.db.user.update({
      where: { id: seeded.id },
      data: { email: `demo.person@${demoEmailDomain}` },
    });
    try {
      const res = await demo.get('/api/demo/users');
      expect(res.body.data).toEqual([
        { id: seeded.id, name: 'Demo Person', email: `demo.person@${demoEmailDomain}` },
      ]);
    } finally {
      await h.database.db.user.delete({ where: { id: seeded.id } });
    }
  });
});

describe('CHAT_DEMO_MODE in the API configuration', () => {
  const env = { JWT_SECRET: 'x', CHAT_DEMO_MODE: 'true' };

  it('is off by default and on when set', () => {
    expect(loadApiConfig({ JWT_SECRET: 'x' }).demo.enabled).toBe(false);
    expect(loadApiConfig(env).demo).toEqual({ enabled: true, tokenTtlMinutes: 720 });
  });

  it('refuses to start in production, or without a key to sign with', () => {
    expect(() => loadApiConfig({ ...env, APP_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadApiConfig({ ...env, APP_ENV: 'production' })).toThrow(
      /CHAT_DEMO_MODE: must not be true when APP_ENV=production/,
    );
    expect(() =>
      loadApiConfig({ ...env, JWT_ALGO: 'RS256', JWT_PUBLIC_KEY: 'pem', JWT_SECRET: '' }),
    ).toThrow(/JWT_PRIVATE_KEY/);
  });
});
