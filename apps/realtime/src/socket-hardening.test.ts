import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createUsers,
  record,
  sleep,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { startTestLaravel, type TestLaravel } from './echo/test-laravel.js';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

const appOrigin = 'https://app.example';
let h: GatewayHarness;
let users: TestUser[];
const clients: ChatClient[] = [];

beforeAll(async () => {
  h = await startTestGateway('hardening', {
    corsOrigins: [appOrigin],
    settings: {
      eventLimit: { points: 100, windowSeconds: 10 },
      syncLimit: { points: 300, windowSeconds: 10 },
      maxSocketsPerUser: 3,
    },
  });
  users = await createUsers(h.database.db, 3, 'Hardening');
});
afterAll(async () => {
  for (const client of clients) client.close();
  await h.close();
});

async function client(url: string, user: TestUser, extraHeaders?: Record<string, string>) {
  const socket = await connectClient(url, user.id, { extraHeaders });
  clients.push(socket);
  return socket;
}

/** socket.io's long-polling handshake, as a browser page on `origin` would send it. */
async function pollingHandshake(url: string, origin: string) {
  const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
    headers: { Origin: origin },
  });
  await response.body?.cancel();
  return {
    status: response.status,
    allowOrigin: response.headers.get('access-control-allow-origin'),
    allowCredentials: response.headers.get('access-control-allow-credentials'),
  };
}

describe('socket.io CORS', () => {
  it('does not reflect an origin that is not allowed, and refuses its websocket handshake', async () => {
    const evil = await pollingHandshake(h.url, 'https://evil.example');
    expect(evil.allowOrigin).toBeNull();
    expect(evil.status).toBe(403);
    await expect(client(h.url, users[0]!, { Origin: 'https://evil.example' })).rejects.toThrow();
  });

  it("allows APP_URL's origin with credentials, and the same origin", async () => {
    expect(await pollingHandshake(h.url, appOrigin)).toEqual({
      status: 200,
      allowOrigin: appOrigin,
      allowCredentials: 'true',
    });
    const sameOrigin = h.url; // http://127.0.0.1:<port>, the Host of the request
    expect((await pollingHandshake(h.url, sameOrigin)).allowOrigin).toBe(sameOrigin);
    expect((await client(h.url, users[0]!, { Origin: appOrigin })).connected).toBe(true);
    expect((await client(h.url, users[0]!, { Origin: sameOrigin })).connected).toBe(true);
    for (const socket of clients.splice(0)) socket.close();
  });

  it('allows any origin when set to * explicitly', async () => {
    const open = await startTestGateway('cors_any', { corsOrigins: ['*'] });
    try {
      const [user] = await createUsers(open.database.db, 1, 'Anywhere');
      const any = await pollingHandshake(open.url, 'https://elsewhere.example');
      expect(any.allowOrigin).toBe('https://elsewhere.example');
      const socket = await connectClient(open.url, user!.id, {
        extraHeaders: { Origin: 'https://elsewhere.example' },
      });
      expect(socket.connected).toBe(true);
      socket.close();
    } finally {
      await open.close();
    }
  });
});

describe("Laravel's /broadcasting/auth", () => {
  let laravel: TestLaravel;

  beforeAll(async () => {
    laravel = await startTestLaravel(() => ({
      status: 200,
      body: 'true',
      headers: { 'Content-Type': 'application/json' },
    }));
  });
  afterAll(() => laravel.close());

  /** Subscribes to a private channel Laravel authorises and returns what Laravel was sent. */
  async function subscribe(socket: ChatClient, channel: string): Promise<IncomingHttpHeaders> {
    (socket as unknown as Socket).emit('subscribe', {
      channel,
      auth: {
        headers: {
          Authorization: 'Bearer from-echo',
          'X-CSRF-TOKEN': 'csrf',
          'X-Forwarded-For': '10.9.9.9',
          'X-Forwarded-Host': 'evil.example',
          Forwarded: 'for=10.9.9.9',
          Cookie: 'laravel_session=chosen',
        },
      },
    });
    const sent = () => laravel.requests.find((r) => r.body.get('channel_name') === channel);
    await expect.poll(sent).toBeDefined();
    return sent()!.headers;
  }

  it('forwards the allow-listed headers, the real peer, and cookies only for a trusted origin', async () => {
    const echo = await startTestGateway('laravel_headers', {
      corsOrigins: ['*', appOrigin],
      settings: {
        echo: {
          broadcastPrefix: 'hardening_test_',
          adapterKey: 'socket.io',
          allowGuests: false,
          laravelAuthUrl: laravel.authUrl,
          laravelAuthTimeoutMs: 2_000,
        },
      },
    });
    try {
      const [user] = await createUsers(echo.database.db, 1, 'Echo');
      const cookie = 'laravel_session=from-the-browser';
      const fromEvil = await connectClient(echo.url, user!.id, {
        extraHeaders: { Origin: 'https://evil.example', Cookie: cookie },
      });
      const fromApp = await connectClient(echo.url, user!.id, {
        extraHeaders: { Origin: appOrigin, Cookie: cookie, 'X-Forwarded-For': '10.8.8.8' },
      });
      const evilHeaders = await subscribe(fromEvil, 'private-orders.1');
      const appHeaders = await subscribe(fromApp, 'private-orders.2');
      fromEvil.close();
      fromApp.close();

      for (const headers of [evilHeaders, appHeaders]) {
        expect(headers).toMatchObject({
          authorization: 'Bearer from-echo',
          'x-csrf-token': 'csrf',
        });
        expect(headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
        expect(headers['x-forwarded-host']).toBeUndefined();
        expect(headers.forwarded).toBeUndefined();
      }
      expect(evilHeaders.cookie).toBeUndefined();
      expect(appHeaders.cookie).toBe(cookie);
    } finally {
      await echo.close();
    }
  });
});

describe('flooding and connection limits', () => {
  it('disconnects a socket that keeps sending unknown events', async () => {
    const flooder = await client(h.url, users[1]!);
    const errors = record(flooder, 'error');
    const gone = new Promise((resolve) => flooder.once('disconnect', resolve));
    for (let i = 0; i < 300 && flooder.connected; i++) {
      (flooder.emit as (event: string, payload: unknown) => void)(`nonsense_${i}`, {});
      await sleep(1);
    }
    expect(await gone).toBe('io server disconnect');
    expect(errors.length).toBeLessThan(300);
  });

  it('acks rate-limited events and sends with retry_after in seconds', async () => {
    const limited = await startTestGateway('retry_after', {
      settings: { eventLimit: { points: 3, windowSeconds: 30 } },
      sendRateLimit: { points: 1, windowSeconds: 30 },
    });
    try {
      const { user, chatId } = await limited.userWithGroup('Limited');
      const socket = await connectClient(limited.url, user.id);
      const send = () => socket.emitWithAck('send_message', { chat_id: chatId, content: 'x' });
      expect((await send()).ok).toBe(true);
      const tooManySends = await send();
      const typing = await socket.emitWithAck('typing', { chat_id: chatId, is_typing: false });
      const tooManyEvents = await socket.emitWithAck('typing', {
        chat_id: chatId,
        is_typing: false,
      });
      expect(typing.ok).toBe(true);
      for (const refused of [tooManySends, tooManyEvents]) {
        expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
        const retryAfter = !refused.ok ? refused.error.retry_after : undefined;
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(30);
      }
      socket.close();
    } finally {
      await limited.close();
    }
  });

  it("refuses a user's sockets beyond the per-node cap with too_many_connections", async () => {
    const user = users[2]!;
    const held = [await client(h.url, user), await client(h.url, user), await client(h.url, user)];
    await expect(client(h.url, user)).rejects.toMatchObject({
      data: { code: 'too_many_connections' },
    });
    expect((await client(h.url, users[0]!)).connected).toBe(true);
    held[0]!.close();
    await expect
      .poll(async () => {
        const socket = await client(h.url, user).catch(() => undefined);
        return socket?.connected ?? false;
      })
      .toBe(true);
  });
});
