import { createHmac } from 'node:crypto';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '@kelisim/auth';
import { createChat } from '@kelisim/domain';
import {
  connectClient,
  createUsers,
  record,
  sleep,
  testJwtConfig,
  tokenFor,
  waitFor,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

let h: GatewayHarness;
let users: TestUser[];
let chatId: number;
const clients: ChatClient[] = [];

beforeAll(async () => {
  h = await startTestGateway('gateway', {
    messageMaxLength: 50,
    settings: { maxFrameBytes: 8_192 },
  });
  users = await createUsers(h.database.db, 3, 'Socket');
  const { chat } = await createChat(
    h.gateway.ctx,
    { userId: users[0]!.id },
    {
      type: 'group',
      participant_ids: [users[1]!.id],
    },
  );
  chatId = chat.id;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await h.close();
});

async function client(user: TestUser, options: Parameters<typeof connectClient>[2] = {}) {
  const socket = await connectClient(h.url, user.id, options);
  clients.push(socket);
  return socket;
}

async function expectRefused(connect: () => Promise<unknown>, code: string) {
  await expect(connect()).rejects.toMatchObject({ data: { code } });
}

describe('handshake', () => {
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['no token', ''],
    ['garbage', 'not-a-jwt'],
    ['a wrong secret', () => mintToken({ ...testJwtConfig, secret: 'nope' }, 1)],
    [
      'an expired token',
      () => tokenFor(1, { exp: now() - 10, iat: now() - 100, nbf: now() - 100 }),
    ],
    ['a user missing from users', () => tokenFor(99_999_999)],
  ])('refuses %s with connect_error code unauthenticated', async (_label, token) => {
    await expectRefused(
      () => connectClient(h.url, 1, { token: typeof token === 'function' ? token() : token }),
      'unauthenticated',
    );
  });

  it("accepts the seed's ?token= query and a Bearer header too", async () => {
    const viaQuery = connectSocket(`${h.url}?token=${tokenFor(users[0]!.id)}`, {
      transports: ['websocket'],
      forceNew: true,
    });
    clients.push(viaQuery);
    await new Promise<void>((resolve, reject) => {
      viaQuery.once('connect', resolve);
      viaQuery.once('connect_error', reject);
    });
    const viaHeader = await client(users[0]!, {
      token: '',
      extraHeaders: { Authorization: `Bearer ${tokenFor(users[0]!.id)}` },
    });
    expect(viaQuery.connected && viaHeader.connected).toBe(true);
  });

  it('refuses a browser Origin that is not allowed, accepts an allowed one', async () => {
    const strict = await startTestGateway('origin', { corsOrigins: ['https://app.example'] });
    try {
      const [user] = await createUsers(strict.database.db, 1, 'Origin');
      const attempt = async (origin: string) => {
        const socket = await connectClient(strict.url, user!.id, {
          extraHeaders: { Origin: origin },
        });
        socket.close();
        return 'connected';
      };
      await expect(attempt('https://evil.example')).rejects.toThrow();
      await expect(attempt('https://app.example')).resolves.toBe('connected');
    } finally {
      await strict.close();
    }
  });
});

describe('chat events', () => {
  it('acks send_message with the stored message and pushes new_message to the chat', async () => {
    const [sender, peer] = [await client(users[0]!), await client(users[1]!)];
    const pushed = waitFor(peer, 'new_message');
    const ack = await sender.emitWithAck('send_message', {
      chat_id: chatId,
      content: 'hi 👋',
      temp_id: 't1',
    });
    expect(ack).toMatchObject({
      ok: true,
      message: { chat_id: chatId, content: 'hi 👋', temp_id: 't1' },
    });
    expect((await pushed).message).toEqual(ack.ok && ack.message);
  });

  it('serves every event through one middleware: a connection holds no listeners of its own', async () => {
    const sender = await client(users[0]!);
    const [socket] = [...h.gateway.io.of('/').sockets.values()].filter(
      (s) => s.data.userId === users[0]!.id && s.id === sender.id,
    );
    // 'error' is socket.io's own no-op listener.
    expect(socket?.eventNames()).toEqual(['error', 'disconnecting']);
    const ack = await sender.emitWithAck('send_message', {
      chat_id: chatId,
      content: 'one way in',
    });
    expect(ack).toMatchObject({ ok: true, message: { content: 'one way in' } });
  });

  it('relays typing to the other participants without storing anything', async () => {
    const [typist, peer] = [await client(users[0]!), await client(users[1]!)];
    const seen = waitFor(peer, 'typing');
    const before = await h.database.db.message.count();
    const ack = await typist.emitWithAck('typing', { chat_id: chatId, is_typing: true });
    expect(ack).toMatchObject({ ok: true });
    expect(await seen).toEqual({
      chat_id: chatId,
      user: { id: users[0]!.id, name: users[0]!.name },
      is_typing: true,
    });
    expect(await h.database.db.message.count()).toBe(before);
  });

  it('acks mark_read with my read state and tells the chat', async () => {
    const [reader, peer] = [await client(users[1]!), await client(users[0]!)];
    const latest = await reader.emitWithAck('sync', { chat_id: chatId, after_seq: 0 });
    expect(latest.ok).toBe(true);
    const seq = latest.ok ? latest.messages.at(-1)!.seq : 0;
    const told = waitFor(peer, 'message_read', (e) => e.user_id === users[1]!.id);
    expect(await reader.emitWithAck('mark_read', { chat_id: chatId, seq })).toEqual({
      ok: true,
      last_read_seq: seq,
      unread_count: 0,
    });
    expect(await told).toEqual({ chat_id: chatId, user_id: users[1]!.id, last_read_seq: seq });
  });
});

describe('bad input', () => {
  it.each([
    ['no payload', undefined],
    ['a string payload', 'send this'],
    ['a missing chat_id', { content: 'x' }],
    ['a non-numeric chat_id', { chat_id: 'abc', content: 'x' }],
    ['content as a number', { chat_id: 1, content: 42 }],
    ['content over the length limit', { chat_id: 1, content: 'x'.repeat(51) }],
    ['an empty content', { chat_id: 1, content: '   ' }],
  ])('acks send_message with %s as validation_failed', async (_label, payload) => {
    const socket = await client(users[0]!);
    const ack = await (socket.emitWithAck as (e: string, p: unknown) => Promise<unknown>)(
      'send_message',
      payload,
    );
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', message: expect.any(String) },
    });
  });

  it('acks field errors like HTTP 422 bodies do', async () => {
    const socket = await client(users[0]!);
    const ack = await socket.emitWithAck('send_message', { chat_id: 1, content: 42 } as never);
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', errors: { content: [expect.any(String)] } },
    });
  });

  it('answers not_found to a non-participant, for sending and syncing alike', async () => {
    const outsider = await client(users[2]!);
    for (const [event, payload] of [
      ['send_message', { chat_id: chatId, content: 'let me in' }],
      ['sync', { chat_id: chatId, after_seq: 0 }],
      ['mark_read', { chat_id: chatId, seq: 1 }],
      ['typing', { chat_id: chatId, is_typing: false }],
    ] as const) {
      const ack = await (outsider.emitWithAck as (e: string, p: unknown) => Promise<unknown>)(
        event,
        payload,
      );
      expect(ack, event).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
  });

  it('refuses unknown events: with an ack as an error ack, without one as an error event', async () => {
    const socket = await client(users[0]!);
    const emit = (socket.emitWithAck as (e: string, p: unknown) => Promise<unknown>).bind(socket);
    expect(await emit('drop_database', {})).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    const error = waitFor(socket, 'error');
    (socket.emit as (e: string, p: unknown) => void)('drop_database', {});
    expect(await error).toMatchObject({ code: 'validation_failed' });
  });

  it('reports a failed send without an ack as an error event, and stores a valid one anyway', async () => {
    const socket = await client(users[0]!);
    const error = waitFor(socket, 'error');
    (socket.emit as (e: string, p: unknown) => void)('send_message', {
      chat_id: chatId,
      temp_id: 'lost-1',
    });
    // The error names the send it refuses, for clients that send without acks.
    expect(await error).toMatchObject({ code: 'validation_failed', temp_id: 'lost-1' });
    const before = await h.database.db.message.count({ where: { chatId } });
    (socket.emit as (e: string, p: unknown) => void)('send_message', {
      chat_id: chatId,
      content: 'fire and forget',
    });
    await expect.poll(() => h.database.db.message.count({ where: { chatId } })).toBe(before + 1);
  });

  it('drops a connection that sends an oversized frame and keeps serving everyone else', async () => {
    const [big, bystander] = [await client(users[0]!), await client(users[1]!)];
    const dropped = new Promise((resolve) => big.once('disconnect', resolve));
    (big.emit as (e: string, p: unknown) => void)('send_message', {
      chat_id: chatId,
      content: 'x'.repeat(20_000),
    });
    expect(await dropped).toBe('transport close');
    const ack = await bystander.emitWithAck('sync', { chat_id: chatId, after_seq: 0 });
    expect(ack.ok).toBe(true);
    const health = await fetch(`${h.url}/socket.io/?EIO=4&transport=polling`);
    expect(health.status).toBe(200);
  });

  it('handles a handshake with a crafted, unsigned token without crashing', async () => {
    const header = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: users[0]!.id, exp: 9e9 })).toString('base64url');
    const forged = `${header}.${body}.${createHmac('sha256', 'guess').update(`${header}.${body}`).digest('base64url')}`;
    await expectRefused(
      () => connectClient(h.url, users[0]!.id, { token: forged }),
      'unauthenticated',
    );
    expect((await client(users[0]!)).connected).toBe(true);
  });
});

describe('flooding', () => {
  it('rate-limits a flooding socket, then disconnects it; other users are unaffected', async () => {
    const limited = await startTestGateway('flood', {
      settings: { eventLimit: { points: 5, windowSeconds: 30 } },
    });
    try {
      const [flooder, calm] = await createUsers(limited.database.db, 2, 'Flood');
      const { chat } = await createChat(
        limited.gateway.ctx,
        { userId: flooder!.id },
        { type: 'group', participant_ids: [calm!.id] },
      );
      const noisy = await connectClient(limited.url, flooder!.id);
      const quiet = await connectClient(limited.url, calm!.id);
      const errors = record(noisy, 'error');
      const gone = new Promise((resolve) => noisy.once('disconnect', resolve));
      for (let i = 0; i < 40 && noisy.connected; i++) {
        noisy.emit('typing', { chat_id: chat.id, is_typing: false });
        await sleep(5);
      }
      expect(await gone).toBe('io server disconnect');
      expect(errors.filter((e) => e.code === 'rate_limited').length).toBeGreaterThan(0);
      const ack = await quiet.emitWithAck('sync', { chat_id: chat.id, after_seq: 0 });
      expect(ack.ok).toBe(true);
      quiet.close();
    } finally {
      await limited.close();
    }
  });

  it("counts a user's events over all of their sockets, besides each socket's own window", async () => {
    const limited = await startTestGateway('flood-user', {
      settings: { eventLimit: { points: 5, windowSeconds: 30 } },
    });
    try {
      const { user, chatId } = await limited.userWithGroup('Tabs');
      const tabs = [
        await connectClient(limited.url, user.id),
        await connectClient(limited.url, user.id),
      ];
      const outcomes: boolean[] = [];
      for (let i = 0; i < 8; i++) {
        const ack = await tabs[i % 2]!.emitWithAck('typing', {
          chat_id: chatId,
          is_typing: false,
        });
        outcomes.push(ack.ok);
      }
      // Each tab sent 4 (within its own window of 5); the user's window of 5 refused the rest.
      expect(outcomes).toEqual([true, true, true, true, true, false, false, false]);
      for (const tab of tabs) tab.close();
    } finally {
      await limited.close();
    }
  });
});
