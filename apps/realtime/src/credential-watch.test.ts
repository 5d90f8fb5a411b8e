import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms } from '@kelisim/contracts';
import { createChat, removeParticipant } from '@kelisim/domain';
import {
  connectClient,
  createSanctumToken,
  createUser,
  invalidateInLaravel,
  laravelAuthConfig,
  testRedisConfig,
  tokenFor,
  waitFor,
  type ChatClient,
} from '@kelisim/testing';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

const jwt = laravelAuthConfig(testRedisConfig().keyPrefix);
const graceSeconds = 2;
let h: GatewayHarness;
const clients: ChatClient[] = [];
/** Holds Echo subscriptions between their authorisation and their join while it is set. */
let holdJoin: Promise<void> | undefined;
const joinsHeld: string[] = [];

beforeAll(async () => {
  h = await startTestGateway('credential_watch', {
    jwt,
    settings: { credentials: { recheckIntervalMs: 1_000, reauthGraceMs: graceSeconds * 1000 } },
    beforeChannelJoin: async (channel) => {
      if (!holdJoin) return;
      joinsHeld.push(channel);
      await holdJoin;
    },
  });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await h.close();
});

async function client(userId: number, token: string) {
  const socket = await connectClient(h.url, userId, { token });
  clients.push(socket);
  return socket;
}

/** A JWT for `userId` that expires `seconds` from now. */
function shortToken(userId: number, seconds: number) {
  const now = Math.floor(Date.now() / 1000);
  return tokenFor(userId, { iat: now, nbf: now, exp: now + seconds });
}

function disconnected(socket: ChatClient, timeoutMs = 15_000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('still connected')), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

async function newChat(ownerId: number, otherId: number) {
  const { chat } = await createChat(
    h.gateway.ctx,
    { userId: ownerId },
    { type: 'group', participant_ids: [otherId] },
  );
  return chat.id;
}

describe('a token that expires on an open socket', () => {
  it('gets auth_expired, has every event but reauth refused, and is dropped after the grace', async () => {
    const user = await createUser(h.database.db, 'Expiring');
    const chatId = await newChat(user.id, (await createUser(h.database.db, 'Peer')).id);
    const token = shortToken(user.id, 2);
    const socket = await client(user.id, token);
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      exp: number;
    };

    const expired = await waitFor(socket, 'auth_expired');
    expect(expired).toEqual({
      expires_at: new Date(exp.exp * 1000).toISOString(),
      grace_seconds: graceSeconds,
    });
    const refused = await socket.emitWithAck('send_message', { chat_id: chatId, content: 'late' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const sync = await socket.emitWithAck('sync', { chat_id: chatId, after_seq: 0 });
    expect(sync).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    expect(await disconnected(socket)).toBe('io server disconnect');
    expect(await h.database.db.message.count({ where: { chatId: BigInt(chatId) } })).toBe(0);
  });

  it('stays connected and receiving after reauth with a fresh token, early or after auth_expired', async () => {
    const user = await createUser(h.database.db, 'Renewing');
    const sender = await createUser(h.database.db, 'Sender');
    const chatId = await newChat(sender.id, user.id);
    const early = await client(user.id, shortToken(user.id, 2));
    const late = await client(user.id, shortToken(user.id, 2));
    // Expires after both and is dropped after both graces: by then neither of them may be.
    const witness = await client(user.id, shortToken(user.id, 4));
    const earlyExpiries: unknown[] = [];
    early.on('auth_expired', (payload) => earlyExpiries.push(payload));

    const fresh = tokenFor(user.id);
    const renewedEarly = await early.emitWithAck('reauth', { token: fresh });
    expect(renewedEarly).toMatchObject({ ok: true, expires_at: expect.any(String) });
    await waitFor(late, 'auth_expired');
    expect(await late.emitWithAck('reauth', { token: tokenFor(user.id) })).toMatchObject({
      ok: true,
    });

    await waitFor(witness, 'auth_expired');
    await disconnected(witness);
    expect(early.connected && late.connected).toBe(true);
    expect(earlyExpiries).toEqual([]);
    const sent = await late.emitWithAck('send_message', { chat_id: chatId, content: 'still here' });
    expect(sent).toMatchObject({ ok: true });
    const received = waitFor(early, 'new_message', (p) => p.message.content === 'from sender');
    const other = await client(sender.id, tokenFor(sender.id));
    await other.emitWithAck('send_message', { chat_id: chatId, content: 'from sender' });
    await received;
  });

  it("refuses reauth with another user's token and keeps the socket's own token", async () => {
    const user = await createUser(h.database.db, 'Owner');
    const stranger = await createUser(h.database.db, 'Stranger');
    const socket = await client(user.id, shortToken(user.id, 3));

    const answer = await socket.emitWithAck('reauth', { token: tokenFor(stranger.id) });
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const invalid = await socket.emitWithAck('reauth', { token: 'not-a-jwt' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    await waitFor(socket, 'auth_expired');
    expect(await disconnected(socket)).toBe('io server disconnect');
  });
});

describe('tokens revoked while their socket is open', () => {
  it('drops a socket whose jti Laravel blacklisted (logout) within a re-check round', async () => {
    const user = await createUser(h.database.db, 'Logout');
    const token = tokenFor(user.id);
    const socket = await client(user.id, token);
    const otherToken = await client(user.id, tokenFor(user.id));

    const revoked = waitFor(socket, 'auth_revoked');
    const gone = disconnected(socket);
    await invalidateInLaravel(h.redis, jwt.blacklist!, token);
    expect(await revoked).toEqual({ reason: 'logged_out' });
    expect(await gone).toBe('io server disconnect');
    expect(await otherToken.emitWithAck('reauth', { token: tokenFor(user.id) })).toMatchObject({
      ok: true,
    });
  });

  it('drops a socket whose Sanctum token was deleted', async () => {
    const user = await createUser(h.database.db, 'Sanctum');
    const { id, bearer } = await createSanctumToken(h.database.db, user.id);
    const socket = await client(user.id, bearer);

    const revoked = waitFor(socket, 'auth_revoked');
    const gone = disconnected(socket);
    await h.database.db.$executeRaw`DELETE FROM personal_access_tokens WHERE id = ${id}`;
    expect(await revoked).toEqual({ reason: 'token_revoked' });
    expect(await gone).toBe('io server disconnect');
  });

  it('drops the sockets of a user deleted from users', async () => {
    const user = await createUser(h.database.db, 'Deleted');
    const { bearer } = await createSanctumToken(h.database.db, user.id);
    const sockets = [await client(user.id, tokenFor(user.id)), await client(user.id, bearer)];

    const revoked = sockets.map((socket) => waitFor(socket, 'auth_revoked'));
    const gone = sockets.map((socket) => disconnected(socket));
    await h.database.db.user.delete({ where: { id: BigInt(user.id) } });
    expect(await Promise.all(revoked)).toEqual([
      { reason: 'user_deleted' },
      { reason: 'user_deleted' },
    ]);
    await Promise.all(gone);
  });
});

describe('an Echo subscription racing a removal', () => {
  it('leaves the private chat channel and the chat room when the participant was removed during its authorisation', async () => {
    const owner = await createUser(h.database.db, 'Admin');
    const member = await createUser(h.database.db, 'Member');
    const chatId = await newChat(owner.id, member.id);
    const channel = `private-chat.${chatId}`;
    const socket: Socket = connectSocket(h.url, {
      auth: { token: tokenFor(member.id) },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    clients.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    let release!: () => void;
    holdJoin = new Promise((resolve) => (release = resolve));
    const refusal = new Promise<unknown[]>((resolve) =>
      socket.once('subscription_error', (...args: unknown[]) => resolve(args)),
    );

    socket.emit('subscribe', { channel, auth: { headers: {} } });
    await waitUntil(() => joinsHeld.includes(channel));
    await removeParticipant(h.gateway.ctx, { userId: owner.id }, chatId, member.id);
    const server = h.gateway.io.of('/').sockets.get(socket.id!)!;
    // The removal has emptied the chat's rooms on this node, before the held join happens.
    await waitUntil(() => !server.rooms.has(rooms.chat(chatId)));
    holdJoin = undefined;
    release();

    expect(await withTimeout(refusal, 10_000)).toEqual([channel, 403]);
    expect(server.rooms.has(`echo:${channel}`)).toBe(false);
    // The subscription joined the chat's room too (its events reach the channel through it).
    expect(server.rooms.has(rooms.chat(chatId))).toBe(false);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`nothing in ${ms} ms`)), ms)),
  ]);
}
