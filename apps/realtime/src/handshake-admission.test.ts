import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@kelisim/db';
import {
  CuttableProxy,
  connectClient,
  connectPlainClient,
  createUsers,
  plainUpgradeRefusal,
  tokenFor,
  type TestUser,
} from '@kelisim/testing';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

const cap = 2;
let h: GatewayHarness;
let proxy: CuttableProxy | undefined;
let users: TestUser[];
const sockets: Socket[] = [];

beforeAll(async () => {
  h = await startTestGateway('handshake_admission', {
    settings: { handshakeConcurrency: cap },
    // The gateway reaches the database through a proxy the test can stall.
    connectDb: async (database) => {
      proxy = new CuttableProxy(database.config);
      await proxy.open();
      return createDb({ ...database.config, port: proxy.port, connectionLimit: 4 });
    },
  });
  users = await createUsers(h.database.db, cap + 2, 'Admission');
});
afterAll(async () => {
  proxy?.resume();
  for (const socket of sockets) socket.close();
  await h.close();
  await proxy?.cut().catch(() => {});
});

/** A socket.io client that retries a refused handshake by itself, soon (the defaults wait 1–5 s). */
function retryingClient(user: TestUser) {
  const socket = connectSocket(h.url, {
    auth: { token: tokenFor(user.id) },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 400,
  });
  sockets.push(socket);
  const errors: string[] = [];
  socket.on('connect_error', (error) => errors.push(error.message));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, errors, connected };
}

/** socket.io's long-polling handshake: the transport opens, no CONNECT follows. */
async function transportHandshakeStatus(): Promise<number> {
  const response = await fetch(`${h.url}/socket.io/?EIO=4&transport=polling`);
  await response.body?.cancel();
  return response.status;
}

async function refusedCount(): Promise<number> {
  const metric = await h.node.metrics.registry
    .getSingleMetric('kelisim_handshakes_refused_total')
    ?.get();
  return metric?.values[0]?.value ?? 0;
}

describe('handshake admission (CHAT_HANDSHAKE_CONCURRENCY)', () => {
  it('refuses new connections at once while the cap of handshakes waits on the database; they come back on their own', async () => {
    // Transports that open and go quiet hold no slot.
    for (let i = 0; i < cap + 1; i++) expect(await transportHandshakeStatus()).toBe(200);

    proxy!.stall();
    const waiting = users.slice(0, cap).map(retryingClient);
    // Both handshakes are running (stuck on their user lookup): the node is at its cap.
    await expect.poll(transportHandshakeStatus, { timeout: 10_000 }).toBe(403);

    // A socket.io client is refused at the transport and retries with backoff by itself.
    const late = retryingClient(users[cap]!);
    await expect.poll(() => late.errors.length, { timeout: 10_000 }).toBeGreaterThan(1);
    expect(late.socket.connected).toBe(false);
    // A `/ws` client gets 503 with a Retry-After of 1–5 s.
    const plain = await plainUpgradeRefusal(h.url, tokenFor(users[cap + 1]!.id));
    expect(plain).toMatchObject({ status: 503, body: { code: 'unavailable' } });
    expect(Number(plain.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(plain.retryAfter)).toBeLessThanOrEqual(5);
    expect(await refusedCount()).toBeGreaterThanOrEqual(3);

    proxy!.resume();
    await Promise.all([...waiting, late].map((client) => client.connected));
    for (const client of waiting) expect(client.errors).toEqual([]);
    // The slots were given back: a new client and a `/ws` client get in at the first try.
    const after = await connectClient(h.url, users[cap + 1]!.id);
    sockets.push(after);
    const plainAfter = await connectPlainClient(h.url, tokenFor(users[cap + 1]!.id));
    plainAfter.close();
  });

  it('gives the slot back when a handshake fails', async () => {
    for (let i = 0; i < cap * 2; i++) {
      await expect(connectClient(h.url, users[0]!.id, { token: 'not-a-jwt' })).rejects.toThrow(
        'Token is invalid.',
      );
    }
    const refusedBefore = await refusedCount();
    const fine = await connectClient(h.url, users[1]!.id);
    sockets.push(fine);
    expect(await refusedCount()).toBe(refusedBefore);
  });
});
