import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '@kelisim/auth';
import type { UnreadCounts } from '@kelisim/contracts';
import { createUser, createUsers, testJwtConfig, tokenFor, type TestUser } from '@kelisim/testing';
import { auth, createApiHarness, type ApiHarness } from './test-api.js';

let h: ApiHarness;
let owner: TestUser, member: TestUser, outsider: TestUser, extra: TestUser;
let chatId: number;
let messageId: number;

beforeAll(async () => {
  h = await createApiHarness('api');
  const users = await createUsers(h.database.db, 4, 'Api');
  [owner, member, outsider, extra] = [users[0]!, users[1]!, users[2]!, users[3]!];
  chatId = await h.createGroup(owner!, [member!], 'Fixture');
  const sent = await h.http
    .post(`/api/chats/${chatId}/messages`)
    .set(auth(owner!))
    .send({ content: 'fixture message' });
  messageId = sent.body.data.id;
});
afterAll(() => h.close());

const thumbsUp = encodeURIComponent('👍🏽');

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Every endpoint of this issue, with a body that would otherwise be valid. */
function endpoints() {
  return [
    ['get', '/api/chats', undefined],
    ['post', '/api/chats', { type: 'group', participant_ids: [] }],
    ['get', `/api/chats/${chatId}`, undefined],
    ['get', `/api/chats/${chatId}/participants`, undefined],
    ['post', `/api/chats/${chatId}/participants`, { user_ids: [extra.id] }],
    ['delete', `/api/chats/${chatId}/participants/${member.id}`, undefined],
    ['get', `/api/chats/${chatId}/messages`, undefined],
    ['post', `/api/chats/${chatId}/messages`, { content: 'x' }],
    ['put', `/api/messages/${messageId}/status`, { status: 'read' }],
    ['get', `/api/messages/${messageId}/replies`, undefined],
    ['put', `/api/messages/${messageId}/pin`, undefined],
    ['delete', `/api/messages/${messageId}/pin`, undefined],
    ['get', `/api/chats/${chatId}/pins`, undefined],
    ['put', `/api/chats/${chatId}/settings`, { muted_until: null }],
    ['patch', `/api/messages/${messageId}`, { content: 'edited' }],
    ['put', `/api/messages/${messageId}/reactions/${thumbsUp}`, undefined],
    ['delete', `/api/messages/${messageId}/reactions/${thumbsUp}`, undefined],
    ['delete', `/api/messages/${messageId}`, undefined],
    ['put', `/api/chats/${chatId}/read`, {}],
    ['get', '/api/unread-count', undefined],
    ['get', `/api/search/messages?q=${encodeURIComponent('张三')}`, undefined],
  ] as const;
}

function call(
  method: string,
  path: string,
  body: object | undefined,
  headers: Record<string, string>,
) {
  const request = h.http[method as 'get'](path).set(headers);
  return body === undefined ? request : request.send(body);
}

describe('authentication', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const badTokens: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['a Basic header', () => 'Basic dXNlcjpwYXNz'],
    ['garbage', () => 'Bearer not-a-jwt'],
    [
      'alg none',
      () =>
        `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: String(owner.id), exp: now() + 600 })}.`,
    ],
    [
      'a wrong secret',
      () => `Bearer ${mintToken({ ...testJwtConfig, secret: 'not-the-secret' }, owner.id)}`,
    ],
    [
      'an expired token',
      () =>
        `Bearer ${tokenFor(owner.id, { iat: now() - 7200, nbf: now() - 7200, exp: now() - 60 })}`,
    ],
    ['a future nbf', () => `Bearer ${tokenFor(owner.id, { nbf: now() + 600 })}`],
    ['no sub', () => `Bearer ${tokenFor(owner.id, { sub: undefined })}`],
    ['a user missing from users', () => `Bearer ${tokenFor(987_654_321)}`],
  ];

  it.each(badTokens)('every endpoint answers 401 to %s', async (_label, header) => {
    for (const [method, path, body] of endpoints()) {
      const value = header();
      const res = await call(method, path, body, value ? { Authorization: value } : {});
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body).toMatchObject({ code: 'unauthenticated', message: expect.any(String) });
    }
  });

  it('accepts a token built byte for byte like jwt-auth does, for a user Laravel created', async () => {
    await h.database.db.$executeRaw`
      INSERT INTO users (name, email, email_verified_at, password, remember_token, created_at, updated_at)
      VALUES ('Laravel Lü 🚀', 'laravel-made@example.test', NOW(), '$2y$12$abcdefghijklmnopqrstuv', 'tok', NOW(), NOW())`;
    const row = await h.database.db.user.findUniqueOrThrow({
      where: { email: 'laravel-made@example.test' },
    });
    const header = base64url({ typ: 'JWT', alg: 'HS256' });
    const payload = base64url({
      iss: 'http://localhost/api/auth/login',
      iat: now(),
      exp: now() + 3600,
      nbf: now(),
      jti: 'aBcDeFgHiJkLmNoP',
      sub: String(row.id),
      prv: '23bd5c8949f600adb39e701c400872db7a5976f7',
    });
    const signature = createHmac('sha256', testJwtConfig.secret)
      .update(`${header}.${payload}`)
      .digest('base64url');
    const res = await h.http
      .get('/api/unread-count')
      .set('Authorization', `Bearer ${header}.${payload}.${signature}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { total: 0, mentions: 0, chats: [] } });
  });
});

describe('participants only', () => {
  it('answers 404 on every chat and message endpoint to a non-participant', async () => {
    const chatScoped = endpoints().filter(
      ([, path]) => path.includes(`/${chatId}`) || path.includes(`/${messageId}`),
    );
    for (const [method, path, body] of chatScoped) {
      const res = await call(method, path, body, auth(outsider));
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('answers 403 to a member managing participants or deleting what is not theirs', async () => {
    const add = await h.addParticipants(chatId, member, [extra]);
    const remove = await h.http
      .delete(`/api/chats/${chatId}/participants/${owner.id}`)
      .set(auth(member));
    const del = await h.http.delete(`/api/messages/${messageId}`).set(auth(member));
    const edit = await h.http
      .patch(`/api/messages/${messageId}`)
      .set(auth(member))
      .send({ content: 'not mine' });
    expect([add.status, remove.status, del.status, edit.status]).toEqual([403, 403, 403, 403]);
    expect(del.body).toMatchObject({ code: 'forbidden', message: expect.any(String) });
    expect(edit.body).toMatchObject({ code: 'forbidden', message: expect.any(String) });
  });
});

describe('validation', () => {
  const cases: [string, string, string, unknown][] = [
    ['post', '/api/chats', 'unknown chat type', { type: 'channel', participant_ids: [] }],
    ['post', '/api/chats', 'participant_ids not a list', { type: 'group', participant_ids: 'all' }],
    ['post', '/api/chats', 'a negative id', { type: 'group', participant_ids: [-1] }],
    [
      'post',
      '/api/chats',
      'a named direct chat',
      { type: 'direct', name: 'x', participant_ids: [2] },
    ],
    ['post', 'CHAT/participants', 'no user_ids', {}],
    ['post', 'CHAT/messages', 'content a number', { content: 42 }],
    ['post', 'CHAT/messages', 'missing content', {}],
    ['post', 'CHAT/messages', 'an image type', { content: 'x', type: 'image' }],
    ['post', 'CHAT/messages', 'a 65-char temp_id', { content: 'x', temp_id: 'x'.repeat(65) }],
    ['put', 'MESSAGE/status', 'status unread', { status: 'unread' }],
    ['put', 'CHAT/read', 'a negative seq', { seq: -4 }],
    ['put', 'CHAT/settings', 'no muted_until', {}],
    ['put', 'CHAT/settings', 'a date without a time', { muted_until: '2030-01-01' }],
    ['get', '/api/search/messages', 'no q', undefined],
    ['get', '/api/search/messages?q=%20%20', 'a blank q', undefined],
    ['get', `/api/search/messages?q=${'x'.repeat(101)}`, 'a 101-character q', undefined],
    ['get', '/api/search/messages?q=x&chat_id=abc', 'a chat_id that is no id', undefined],
    ['patch', 'MESSAGE', 'no content', {}],
    ['patch', 'MESSAGE', 'blank content', { content: ' \n ' }],
    ['put', 'MESSAGE/reactions/ok', 'a word for an emoji', undefined],
    ['put', `MESSAGE/reactions/${encodeURIComponent('👍👍')}`, 'two emoji', undefined],
    ['delete', `MESSAGE/reactions/${encodeURIComponent('x')}`, 'a letter for an emoji', undefined],
  ];

  it.each(cases)('%s %s with %s → 422 with field errors', async (method, rawPath, _label, body) => {
    const path = rawPath
      .replace('CHAT', `/api/chats/${chatId}`)
      .replace('MESSAGE', `/api/messages/${messageId}`);
    const res = await call(method, path, body as object, auth(owner));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'validation_failed',
      message: expect.any(String),
      errors: expect.any(Object),
    });
  });

  it.each(['limit=abc', 'limit=0', 'limit=-5', 'limit=1.5', 'before=x', 'before=3&after=1'])(
    'GET messages?%s → 422',
    async (query) => {
      const res = await h.http.get(`/api/chats/${chatId}/messages?${query}`).set(auth(owner));
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('validation_failed');
    },
  );

  it('answers 422 to a non-numeric id in the path and to malformed JSON', async () => {
    const badId = await h.http.get('/api/chats/abc').set(auth(owner));
    const badJson = await h.http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .set('Content-Type', 'application/json')
      .send('{"content": ');
    expect([badId.status, badJson.status]).toEqual([422, 422]);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const res = await h.http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .set('Content-Type', 'text/plain')
      .send('content=hello');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('answers 413 to a body over 1 MB and 422 to a message over the length limit', async () => {
    const huge = await h.http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: 'x'.repeat(1_100_000) });
    const long = await h.http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: '😀'.repeat(10_001) });
    expect(huge.status).toBe(413);
    expect(long.status).toBe(422);
    expect(long.body.errors.content).toHaveLength(1);
  });

  it('answers 404 with the error shape for unknown routes', async () => {
    const res = await h.http.get('/api/nothing-here').set(auth(owner));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 'not_found', message: 'Not found.' });
  });
});

describe('happy paths', () => {
  it('creates a group (201), a direct chat (201) and returns the existing direct chat (200)', async () => {
    const group = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .send({ type: 'group', name: 'Ops', participant_ids: [member.id, String(extra.id)] });
    expect(group.status).toBe(201);
    expect(group.body.data).toMatchObject({
      type: 'group',
      name: 'Ops',
      my_role: 'owner',
      participants_count: 3,
      last_message: null,
    });
    const direct = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .send({ type: 'direct', participant_ids: [extra.id] });
    const again = await h.http
      .post('/api/chats')
      .set(auth(extra))
      .send({ type: 'direct', participant_ids: [owner.id] });
    expect([direct.status, again.status]).toEqual([201, 200]);
    expect(again.body.data.id).toBe(direct.body.data.id);
  });

  it('lists chats with meta and shows one chat', async () => {
    const list = await h.http.get('/api/chats?limit=1').set(auth(member));
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.meta).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    const next = await h.http
      .get(`/api/chats?limit=1&cursor=${list.body.meta.next_cursor}`)
      .set(auth(member));
    expect(next.body.data[0].id).not.toBe(list.body.data[0].id);
    const one = await h.http.get(`/api/chats/${chatId}`).set(auth(member));
    expect(one.body.data).toMatchObject({ id: chatId, name: 'Fixture', my_role: 'member' });
  });

  it('adds, lists and removes participants', async () => {
    const id = await h.createGroup(owner);
    const added = await h.addParticipants(id, owner, [member, extra]);
    expect(added.status).toBe(200);
    expect(added.body.data.map((p: { user_id: number }) => p.user_id)).toEqual([
      member.id,
      extra.id,
    ]);
    const removed = await h.http
      .delete(`/api/chats/${id}/participants/${extra.id}`)
      .set(auth(owner));
    const left = await h.http
      .delete(`/api/chats/${id}/participants/${member.id}`)
      .set(auth(member));
    expect([removed.status, left.status]).toEqual([204, 204]);
    const list = await h.http.get(`/api/chats/${id}/participants`).set(auth(owner));
    expect(list.body.data).toEqual([
      {
        user_id: owner.id,
        name: owner.name,
        role: 'owner',
        last_read_seq: 0,
        joined_at: expect.any(String),
      },
    ]);
  });

  it('sends (201), retries idempotently (200) and ignores mass-assigned fields', async () => {
    const id = await h.createGroup(owner, [member]);
    const body = {
      content: 'Hello 👋',
      temp_id: 'client-1',
      sender_id: member.id,
      seq: 999,
      chat_id: chatId,
      created_at: '2001-01-01T00:00:00Z',
      id: 1,
    };
    const first = await h.http.post(`/api/chats/${id}/messages`).set(auth(owner)).send(body);
    const retry = await h.http.post(`/api/chats/${id}/messages`).set(auth(owner)).send(body);
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body.data).toEqual(first.body.data);
    expect(first.body.data).toMatchObject({
      chat_id: id,
      seq: 1,
      sender: { id: owner.id },
      content: 'Hello 👋',
      temp_id: 'client-1',
    });
    expect(Date.parse(first.body.data.created_at)).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(first.body.data.id).not.toBe(1);
    expect(await h.database.db.message.count({ where: { chatId: id } })).toBe(1);
  });

  it('pages messages, clamping limit to 100', async () => {
    const id = await h.createGroup(owner, [member]);
    for (let i = 0; i < 105; i++) {
      await h.http
        .post(`/api/chats/${id}/messages`)
        .set(auth(i % 2 ? owner : member))
        .send({ content: `n${i}` });
    }
    const clamped = await h.http.get(`/api/chats/${id}/messages?limit=1000`).set(auth(owner));
    expect(clamped.body.data).toHaveLength(100);
    expect(clamped.body.data[0].seq).toBe(6);
    expect(clamped.body.meta).toEqual({ has_more: true });
    const older = await h.http.get(`/api/chats/${id}/messages?before=6`).set(auth(owner));
    expect(older.body.data.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    const resume = await h.http.get(`/api/chats/${id}/messages?after=103`).set(auth(owner));
    expect(resume.body.data.map((m: { seq: number }) => m.seq)).toEqual([104, 105]);
    expect(resume.body.meta.has_more).toBe(false);
  });

  it('marks read, reports unread counts and deletes a message', async () => {
    const id = await h.createGroup(owner, [member]);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.http
        .post(`/api/chats/${id}/messages`)
        .set(auth(owner))
        .send({ content: `r${i}` });
      ids.push(res.body.data.id);
    }
    const unreadOf = async () =>
      (
        (await h.http.get('/api/unread-count').set(auth(member))).body as { data: UnreadCounts }
      ).data.chats.find((c) => c.chat_id === id);
    expect(await unreadOf()).toEqual({ chat_id: id, unread: 3, mentions: 0, muted: false });
    const status = await h.http
      .put(`/api/messages/${ids[0]}/status`)
      .set(auth(member))
      .send({ status: 'read' });
    expect(status.body.data).toEqual({ chat_id: id, last_read_seq: 1, unread_count: 2 });
    const deleted = await h.http.delete(`/api/messages/${ids[2]}`).set(auth(owner));
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({
      id: ids[2],
      content: null,
      deleted_at: expect.any(String),
    });
    const read = await h.http.put(`/api/chats/${id}/read`).set(auth(member)).send();
    expect(read.body.data).toEqual({ chat_id: id, last_read_seq: 3, unread_count: 0 });
    expect(await unreadOf()).toEqual({ chat_id: id, unread: 0, mentions: 0, muted: false });
  });

  it('edits a message and adds and removes reactions, the emoji URL-encoded', async () => {
    const id = await h.createGroup(owner, [member]);
    const sent = await h.http
      .post(`/api/chats/${id}/messages`)
      .set(auth(owner))
      .send({ content: 'draft' });
    const path = `/api/messages/${sent.body.data.id}`;
    const edited = await h.http.patch(path).set(auth(owner)).send({ content: '定稿 ✅' });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({
      seq: sent.body.data.seq,
      content: '定稿 ✅',
      edited_at: expect.any(String),
      reactions: [],
    });
    const flag = encodeURIComponent('🏳️‍🌈');
    const added = await h.http.put(`${path}/reactions/${flag}`).set(auth(member));
    expect(added.status).toBe(200);
    expect(added.body.data.reactions).toEqual([{ emoji: '🏳️‍🌈', count: 1, me: true }]);
    const page = await h.http.get(`/api/chats/${id}/messages`).set(auth(owner));
    expect(page.body.data[0]).toMatchObject({
      content: '定稿 ✅',
      reactions: [{ emoji: '🏳️‍🌈', count: 1, me: false }],
    });
    const removed = await h.http.delete(`${path}/reactions/${flag}`).set(auth(member));
    expect(removed.status).toBe(200);
    expect(removed.body.data.reactions).toEqual([]);

    const reply = await h.http
      .post(`/api/chats/${id}/messages`)
      .set(auth(member))
      .send({ content: 'a reply', reply_to_id: sent.body.data.id });
    expect(reply.body.data.reply_to).toMatchObject({ id: sent.body.data.id, content: '定稿 ✅' });
    const thread = await h.http.get(`${path}/replies?limit=5`).set(auth(owner));
    expect(thread.body).toEqual({ data: [reply.body.data], meta: { has_more: false } });

    expect((await h.http.put(`${path}/pin`).set(auth(member))).status).toBe(403);
    const pinned = await h.http.put(`${path}/pin`).set(auth(owner));
    expect(pinned.body.data.pinned_by).toBe(owner.id);
    const pins = await h.http.get(`/api/chats/${id}/pins`).set(auth(member));
    expect(pins.body.data.map((m: { id: number }) => m.id)).toEqual([sent.body.data.id]);
    const muted = await h.http
      .put(`/api/chats/${id}/settings`)
      .set(auth(member))
      .send({ muted_until: '2099-01-01T00:00:00+08:00' });
    // Past what a TIMESTAMP column holds: stored as its last second.
    expect(muted.body).toEqual({ data: { chat_id: id, muted_until: '2038-01-19T03:14:07.000Z' } });
    const unread = await h.http.get('/api/unread-count').set(auth(member));
    expect(unread.body.data.chats).toContainEqual(
      expect.objectContaining({ chat_id: id, muted: true }),
    );

    const found = await h.http
      .get(`/api/search/messages?q=${encodeURIComponent('定稿')}&chat_id=${id}&limit=1`)
      .set(auth(member));
    expect(found.body).toEqual({
      data: [{ message: pinned.body.data, matches: [{ start: 0, length: 2 }] }],
      meta: { has_more: false, next_before: null },
    });
  });

  it('publishes the events the realtime gateway will push', async () => {
    h.publisher.clear();
    const id = await h.createGroup(owner, [member]);
    await h.http.post(`/api/chats/${id}/messages`).set(auth(member)).send({ content: 'ping' });
    expect(h.publisher.events.map((e) => e.event)).toEqual([
      'chat_created',
      'chat_created',
      'new_message',
    ]);
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a user exceeds the send limit, shared through Redis', async () => {
    const limited = await createApiHarness('ratelimit', { sendsPerWindow: 3 });
    try {
      const [a, b] = [
        await createUser(limited.database.db, 'Fast'),
        await createUser(limited.database.db, 'Slow'),
      ];
      const { body } = await limited.http
        .post('/api/chats')
        .set(auth(a))
        .send({ type: 'direct', participant_ids: [b.id] });
      const responses = [];
      for (let i = 0; i < 5; i++) {
        responses.push(
          await limited.http
            .post(`/api/chats/${body.data.id}/messages`)
            .set(auth(a))
            .send({ content: `${i}` }),
        );
      }
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 429, 429]);
      const refused = responses[4]!;
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.code).toBe('rate_limited');
      expect(refused.body.retry_after).toBe(Number(refused.headers['retry-after']));
      const other = await limited.http
        .post(`/api/chats/${body.data.id}/messages`)
        .set(auth(b))
        .send({ content: 'me too' });
      expect(other.status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('documentation', () => {
  it('serves the OpenAPI document without authentication', async () => {
    const res = await h.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      openapi: '3.1.0',
      paths: { '/api/chats': expect.any(Object) },
    });
  });
});

describe('health', () => {
  it('reports live and ready with its checks', async () => {
    const live = await h.http.get('/health/live');
    const ready = await h.http.get('/health/ready');
    expect(live.body).toEqual({ status: 'ok' });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });
});
