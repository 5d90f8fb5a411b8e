import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askLaravel } from './laravel-auth.js';
import { startTestLaravel, type LaravelAuthReply, type TestLaravel } from './test-laravel.js';

// Laravel's Broadcast::routes(): `reply` decides the next answer.
let laravel: TestLaravel;
let url: string;
let reply: LaravelAuthReply;
let seen: TestLaravel['requests'];

beforeAll(async () => {
  laravel = await startTestLaravel(() => reply);
  url = laravel.authUrl;
  seen = laravel.requests;
});
afterAll(() => laravel.close());

const request = {
  channel: 'private-orders.1',
  socketId: 'abc123',
  headers: { Authorization: 'Bearer t0ken', 'X-CSRF-TOKEN': 'csrf' } as Record<string, unknown>,
  cookie: 'laravel_session=s',
  peerAddress: '203.0.113.9',
};

async function answer(body: string, presence = false, status = 200) {
  reply = { status, body };
  return askLaravel(url, 1_000, request, presence);
}

describe('askLaravel', () => {
  it('posts channel_name and socket_id as a form, with the client headers and cookies', async () => {
    seen.length = 0;
    await answer('true');
    const [first] = seen;
    expect(first?.body.get('channel_name')).toBe('private-orders.1');
    expect(first?.body.get('socket_id')).toBe('abc123');
    expect(first?.headers).toMatchObject({
      authorization: 'Bearer t0ken',
      'x-csrf-token': 'csrf',
      cookie: 'laravel_session=s',
      accept: 'application/json',
      'x-requested-with': 'XMLHttpRequest',
      'content-type': 'application/x-www-form-urlencoded',
    });
  });

  it('forwards only Authorization, X-CSRF-TOKEN and X-Requested-With, and the real peer as X-Forwarded-For', async () => {
    seen.length = 0;
    reply = { status: 200, body: 'true' };
    await askLaravel(
      url,
      1_000,
      {
        ...request,
        cookie: undefined,
        headers: {
          authorization: 'Bearer t0ken',
          'x-csrf-token': 'csrf',
          Host: 'evil.example',
          'Content-Length': '1',
          'Content-Type': 'application/json',
          'X-Forwarded-For': '10.0.0.1',
          'X-Forwarded-Host': 'evil.example',
          'X-Forwarded-Proto': 'https',
          Forwarded: 'for=10.0.0.1',
          'X-Real-IP': '10.0.0.1',
          Cookie: 'laravel_session=chosen-by-the-client',
          'X-Custom': 'dropped',
          Bad: 5,
        },
      },
      false,
    );
    const headers = seen[0]!.headers;
    expect(headers.host).toMatch(/^127\.0\.0\.1:/);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers.authorization).toBe('Bearer t0ken');
    expect(headers['x-csrf-token']).toBe('csrf');
    expect(headers['x-forwarded-for']).toBe('203.0.113.9');
    for (const name of [
      'x-forwarded-host',
      'x-forwarded-proto',
      'forwarded',
      'x-real-ip',
      'cookie',
      'x-custom',
      'bad',
    ]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(seen[0]?.body.get('socket_id')).toBe('abc123');
  });

  it("allows private channels on Laravel's answers true, {} and their JSON-string forms", async () => {
    for (const body of ['true', '"true"', '{}', '"{}"', '{"auth": "x"}']) {
      expect(await answer(body)).toEqual({ ok: true });
    }
  });

  it('takes presence members from channel_data, plain, JSON-encoded twice or Pusher-style', async () => {
    const channelData = { user_id: 7, user_info: { id: 7, name: 'Ada' } };
    const member = { ok: true, member: channelData };
    const plain = JSON.stringify({ channel_data: channelData });
    expect(await answer(plain, true)).toEqual(member);
    expect(await answer(JSON.stringify(plain), true)).toEqual(member);
    const pusher = JSON.stringify({ channel_data: JSON.stringify(channelData) });
    expect(await answer(pusher, true)).toEqual(member);
    expect(await answer('{"channel_data": {"user_id": "uuid-1"}}', true)).toEqual({
      ok: true,
      member: { user_id: 'uuid-1', user_info: null },
    });
  });

  it('refuses a presence channel without channel_data.user_id, and false or junk answers', async () => {
    expect(await answer('true', true)).toMatchObject({ ok: false, status: 403 });
    expect(await answer('{}', true)).toMatchObject({ ok: false, status: 403 });
    expect(await answer('false')).toMatchObject({ ok: false, status: 403 });
    expect(await answer('null')).toMatchObject({ ok: false, status: 403 });
    expect(await answer('<html>login</html>')).toMatchObject({ ok: false, status: 502 });
  });

  it('refuses with the status of any non-2xx answer, redirects included', async () => {
    expect(await answer('', false, 403)).toMatchObject({ ok: false, status: 403 });
    expect(await answer('{"message": "Unauthenticated."}', false, 401)).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(await answer('Server Error', false, 500)).toMatchObject({ ok: false, status: 500 });
    reply = { status: 302, body: '', headers: { Location: '/login' } };
    expect(await askLaravel(url, 1_000, request, false)).toMatchObject({ ok: false, status: 302 });
  });

  it('refuses with 503 when Laravel does not answer in time or cannot be reached', async () => {
    reply = { status: 200, body: 'true', delayMs: 500 };
    const started = Date.now();
    expect(await askLaravel(url, 100, request, false)).toMatchObject({ ok: false, status: 503 });
    expect(Date.now() - started).toBeLessThan(450);
    expect(
      await askLaravel('http://127.0.0.1:1/broadcasting/auth', 1_000, request, false),
    ).toMatchObject({ ok: false, status: 503 });
  });
});
