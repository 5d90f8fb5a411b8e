import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '@kelisim/auth';
import { plainCloseCodes } from '@kelisim/contracts';
import { addParticipants, completeFile, createChat, removeParticipant } from '@kelisim/domain';
import {
  connectClient,
  connectPlainClient,
  createUser,
  invalidateInLaravel,
  laravelAuthConfig,
  plainUpgradeRefusal,
  plainUrl,
  sleep,
  testJwtConfig,
  testRedisConfig,
  tokenFor,
  waitFor,
  type ChatClient,
  type PlainClient,
} from '@kelisim/testing';
import { startTestGateway, testFileLinkBase, type GatewayHarness } from './test-gateway.js';

const jwt = laravelAuthConfig(testRedisConfig().keyPrefix);
const pingIntervalMs = 300;
let h: GatewayHarness;
const closers: { close(): void }[] = [];

beforeAll(async () => {
  h = await startTestGateway('plain_ws', {
    jwt,
    messageMaxLength: 50,
    corsOrigins: ['https://app.example'],
    settings: {
      maxFrameBytes: 8_192,
      maxSocketsPerUser: 4,
      plainPingIntervalMs: pingIntervalMs,
      credentials: { recheckIntervalMs: 1_000, reauthGraceMs: 30_000 },
      eventLimit: { points: 1_000, windowSeconds: 10 },
    },
  });
});
afterAll(async () => {
  for (const client of closers) client.close();
  await h.close();
});

async function plain(userId: number, options: Parameters<typeof connectPlainClient>[2] = {}) {
  const client = await connectPlainClient(h.url, tokenFor(userId), options);
  closers.push(client);
  return client;
}

async function socketIo(userId: number): Promise<ChatClient> {
  const client = await connectClient(h.url, userId);
  closers.push(client);
  return client;
}

/** Two users sharing a group. */
async function pair(label: string) {
  const owner = await createUser(h.database.db, `${label} owner`);
  const member = await createUser(h.database.db, `${label} member`);
  const { chat } = await createChat(
    h.gateway.ctx,
    { userId: owner.id },
    { type: 'group', participant_ids: [member.id] },
  );
  return { owner, member, chatId: chat.id };
}

async function storedMessages(chatId: number) {
  return h.database.db.message.count({ where: { chatId: BigInt(chatId) } });
}

describe('the upgrade', () => {
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['no token', undefined],
    ['garbage', 'not-a-jwt'],
    ['a wrong secret', () => mintToken({ ...testJwtConfig, secret: 'nope' }, 1)],
    ['an expired token', () => tokenFor(1, { exp: now() - 10, iat: now() - 100 })],
    ['a user missing from users', () => tokenFor(99_999_999)],
  ])('refuses %s with 401 and a JSON error, before any WebSocket', async (_label, token) => {
    const refusal = await plainUpgradeRefusal(h.url, typeof token === 'function' ? token() : token);
    expect(refusal).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
  });

  it('refuses a browser Origin that is not allowed with 403, accepts an allowed one', async () => {
    const user = await createUser(h.database.db, 'Origin');
    expect(
      await plainUpgradeRefusal(h.url, tokenFor(user.id), { origin: 'https://evil.example' }),
    ).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const allowed = await plain(user.id, { headers: { origin: 'https://app.example' } });
    expect(allowed.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('takes the token from an Authorization: Bearer header too', async () => {
    const { owner, chatId } = await pair('Bearer');
    const client = await plain(owner.id, { via: 'header' });
    expect(await client.request({ type: 'sync', chat_id: chatId, after_seq: 0 })).toMatchObject({
      type: 'ack',
      ok: true,
      messages: [],
    });
  });

  it("refuses a user's connections beyond the cap with 429, counting both transports", async () => {
    const user = await createUser(h.database.db, 'Capped');
    await socketIo(user.id);
    for (let i = 0; i < 3; i++) await plain(user.id);
    expect(await plainUpgradeRefusal(h.url, tokenFor(user.id))).toMatchObject({
      status: 429,
      body: { code: 'too_many_connections' },
    });
  });

  it('answers 404 at any other path instead of holding the upgrade', async () => {
    const refusal = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(plainUrl(h.url).replace('/ws', '/elsewhere'));
      ws.on('open', () => reject(new Error('accepted')));
      ws.on('error', () => {});
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(refusal).toBe(404);
  });
});

describe("the seed's frames", () => {
  it('sends a seed send_message frame and pushes new_message in the seed shape to every transport', async () => {
    const { owner, member, chatId } = await pair('Seed');
    const sender = await plain(owner.id);
    const onPlain = await plain(member.id);
    const onSocketIo = await socketIo(member.id);
    const pushed = waitFor(onSocketIo, 'new_message');

    sender.send({
      type: 'send_message',
      chat_id: chatId,
      content: '消息内容',
      message_type: 'text',
      temp_id: 'client-generated-uuid',
    });

    const frame = await onPlain.frame('new_message');
    expect(frame).toMatchObject({
      type: 'new_message',
      message: {
        chat_id: chatId,
        sender: { id: owner.id, name: owner.name },
        type: 'text',
        content: '消息内容',
        temp_id: 'client-generated-uuid',
        seq: 1,
      },
    });
    expect(typeof frame.message.id).toBe('number');
    expect(new Date(frame.message.created_at).toISOString()).toBe(frame.message.created_at);
    // The sender learns the outcome by its temp_id, as the seed's clients do.
    expect(await sender.frame('new_message')).toEqual(frame);
    expect((await pushed).message).toEqual(frame.message);
  });

  it('acks a frame with ack_id, and reports a failure as an error frame with ack_id and temp_id', async () => {
    const { owner, chatId } = await pair('Ack');
    const client = await plain(owner.id);
    const stored = await client.request({
      type: 'send_message',
      chat_id: chatId,
      content: 'hello',
      temp_id: 't-1',
    });
    expect(stored).toMatchObject({ type: 'ack', ok: true, message: { seq: 1, temp_id: 't-1' } });

    const again = await client.request({
      type: 'send_message',
      chat_id: chatId,
      content: 'hello',
      temp_id: 't-1',
    });
    expect(again).toMatchObject({ type: 'ack', message: { seq: 1 } });

    const tooLong = await client.request({
      type: 'send_message',
      chat_id: chatId,
      content: 'x'.repeat(51),
      temp_id: 't-2',
    });
    expect(tooLong).toMatchObject({
      type: 'error',
      code: 'validation_failed',
      temp_id: 't-2',
      errors: { content: expect.any(Array) },
    });
    expect(await storedMessages(chatId)).toBe(1);
  });

  it('tells a failed send without ack_id by an error frame naming its temp_id', async () => {
    const { chatId } = await pair('Stranger chat');
    const stranger = await createUser(h.database.db, 'Stranger');
    const client = await plain(stranger.id);
    client.send({ type: 'send_message', chat_id: chatId, content: 'let me in', temp_id: 'x-1' });
    expect(await client.frame('error')).toMatchObject({ code: 'not_found', temp_id: 'x-1' });
    expect(await storedMessages(chatId)).toBe(0);
  });

  it('serves typing, mark_read, sync and sync_chats like the socket.io events', async () => {
    const { owner, member, chatId } = await pair('Events');
    const a = await plain(owner.id);
    const b = await plain(member.id);
    for (const content of ['one', 'two', 'three']) {
      await a.request({ type: 'send_message', chat_id: chatId, content });
    }
    a.send({ type: 'typing', chat_id: chatId, is_typing: true });
    expect(await b.frame('typing')).toMatchObject({
      chat_id: chatId,
      user: { id: owner.id },
      is_typing: true,
    });
    expect(await b.request({ type: 'mark_read', chat_id: chatId, seq: 2 })).toMatchObject({
      type: 'ack',
      last_read_seq: 2,
      unread_count: 1,
    });
    expect(await a.frame('message_read')).toMatchObject({
      chat_id: chatId,
      user_id: member.id,
      last_read_seq: 2,
    });
    const sync = await b.request({ type: 'sync', chat_id: chatId, after_seq: 1 });
    expect(sync).toMatchObject({ type: 'ack', has_more: false });
    expect((sync as unknown as { messages: { seq: number }[] }).messages.map((m) => m.seq)).toEqual(
      [2, 3],
    );
    expect(
      await b.request({ type: 'sync_chats', chats: [{ chat_id: chatId, after_seq: 2 }] }),
    ).toMatchObject({ type: 'ack', chats: [{ chat_id: chatId, messages: [{ seq: 3 }] }] });
  });

  it('resumes file messages with their signed links, as REST lists them', async () => {
    const { owner, chatId } = await pair('Files');
    const file = await h.database.db.chatFile.create({
      data: {
        chatId: BigInt(chatId),
        uploaderId: BigInt(owner.id),
        disk: 'local',
        storageKey: `chats/${chatId}/photo-${owner.id}`,
        originalName: 'photo.png',
      },
    });
    await completeFile(h.gateway.ctx, Number(file.id), {
      status: 'ready',
      mimeType: 'image/png',
      size: 3,
      sha256: 'a'.repeat(64),
      thumbnailKey: `chats/${chatId}/photo-${owner.id}.thumb`,
    });
    const client = await plain(owner.id);
    const sync = await client.request({ type: 'sync', chat_id: chatId, after_seq: 0 });
    const signed = (path: string) =>
      new RegExp(`^${testFileLinkBase}/${file.id}/${path}\\?expires=\\d+&signature=[0-9a-f]{64}$`);
    expect(sync).toMatchObject({
      type: 'ack',
      messages: [
        {
          file: {
            url: expect.stringMatching(signed('photo.png')),
            thumbnail_url: expect.stringMatching(signed('thumbnail')),
          },
        },
      ],
    });
  });

  it('follows membership: a chat created or joined later reaches it, a removed one no longer', async () => {
    const owner = await createUser(h.database.db, 'Room owner');
    const guest = await createUser(h.database.db, 'Room guest');
    const client = await plain(guest.id);
    const { chat } = await createChat(
      h.gateway.ctx,
      { userId: owner.id },
      { type: 'group', participant_ids: [] },
    );
    await addParticipants(h.gateway.ctx, { userId: owner.id }, chat.id, { user_ids: [guest.id] });
    expect(await client.frame('chat_created')).toMatchObject({ chat: { id: chat.id } });
    const ownerSocket = await socketIo(owner.id);
    await ownerSocket.emitWithAck('send_message', { chat_id: chat.id, content: 'welcome' });
    await client.frame('new_message', (f) => f.message.content === 'welcome');

    await removeParticipant(h.gateway.ctx, { userId: owner.id }, chat.id, guest.id);
    await client.frame('participant_removed', (f) => f.chat_id === chat.id);
    await ownerSocket.emitWithAck('send_message', { chat_id: chat.id, content: 'secret' });
    await ownerSocket.emitWithAck('typing', { chat_id: chat.id, is_typing: true });
    await sleep(300);
    expect(client.frames.filter((f) => f.type === 'new_message')).toHaveLength(1);
  });

  it('counts in presence: a /ws user is online for the users who share a chat', async () => {
    const { owner, member } = await pair('Presence');
    const watcher = await socketIo(owner.id);
    const online = waitFor(watcher, 'presence', (p) => p.user_id === member.id);
    const client = await plain(member.id);
    expect(await online).toMatchObject({ status: 'online' });
    const offline = waitFor(watcher, 'presence', (p) => p.user_id === member.id);
    client.close();
    expect(await offline).toMatchObject({ status: 'offline' });
  });
});

describe('bad frames', () => {
  it('answers non-JSON, unknown types and wrong field types with error frames, storing nothing', async () => {
    const { owner, chatId } = await pair('Malformed');
    const client = await plain(owner.id);
    client.ws.send('not json');
    client.send({ no: 'type' });
    client.send({ type: 'subscribe', channel: 'private-chat.1' });
    const refusals = await Promise.all([
      client.request({ type: 'drop_database' }),
      client.request({ type: 'send_message', chat_id: 'one', content: 5 }),
    ]);
    expect(refusals).toMatchObject([
      { type: 'error', code: 'validation_failed', message: expect.stringContaining('"type"') },
      { type: 'error', code: 'validation_failed', errors: { chat_id: expect.any(Array) } },
    ]);
    await expect.poll(() => client.frames.filter((f) => f.type === 'error').length).toBe(5);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(await storedMessages(chatId)).toBe(0);
  });

  it('closes on a binary frame (1003) and on an oversized one (1009); others are unaffected', async () => {
    const { owner, member, chatId } = await pair('Oversize');
    const binary = await plain(owner.id);
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect((await binary.closed).code).toBe(plainCloseCodes.unsupportedData);

    const big = await plain(owner.id);
    big.send({ type: 'typing', chat_id: chatId, is_typing: true, pad: 'x'.repeat(10_000) });
    expect((await big.closed).code).toBe(plainCloseCodes.tooBig);

    const other = await plain(member.id);
    expect(await other.request({ type: 'sync', chat_id: chatId, after_seq: 0 })).toMatchObject({
      type: 'ack',
    });
  });

  it('disconnects a client that keeps sending refused frames (1008)', async () => {
    const user = await createUser(h.database.db, 'Flood');
    const client = await plain(user.id);
    for (let i = 0; i < 30; i++) client.ws.send('{');
    expect((await client.closed).code).toBe(plainCloseCodes.policyViolation);
  });
});

describe('the connection', () => {
  it('is dropped when its JWT is blacklisted by a Laravel logout: auth_revoked, then 1008', async () => {
    const user = await createUser(h.database.db, 'Logout');
    const token = tokenFor(user.id);
    const client = await connectPlainClient(h.url, token);
    closers.push(client);
    await invalidateInLaravel(h.redis, jwt.blacklist!, token);
    expect(await client.frame('auth_revoked', undefined, 30_000)).toEqual({
      type: 'auth_revoked',
      reason: 'logged_out',
    });
    expect((await client.closed).code).toBe(plainCloseCodes.policyViolation);
  });

  it('is pinged, and dropped when it stops answering', async () => {
    const user = await createUser(h.database.db, 'Silent');
    const answering = await plain(user.id);
    const silent = new WebSocket(plainUrl(h.url, tokenFor(user.id)), { autoPong: false });
    closers.push(silent);
    const closed = new Promise<number>((resolve) => silent.on('close', resolve));
    await new Promise((resolve) => silent.once('open', resolve));
    expect(await closed).toBe(1006);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('a draining node', () => {
  it('closes /ws connections with 1012 and refuses new ones with 503', async () => {
    const user = await createUser(h.database.db, 'Drain');
    const client: PlainClient = await plain(user.id);
    const drained = h.gateway.drain();
    expect(await client.frame('error')).toMatchObject({ code: 'unavailable' });
    expect((await client.closed).code).toBe(plainCloseCodes.serviceRestart);
    await drained;
    expect(await plainUpgradeRefusal(h.url, tokenFor(user.id))).toMatchObject({
      status: 503,
      body: { code: 'unavailable' },
    });
  });
});
