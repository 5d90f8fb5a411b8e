import { createAdapter } from '@socket.io/redis-adapter';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rooms, type ServerEvents } from '@kelisim/contracts';
import { silentLogger } from '@kelisim/logger';
import { testRedisConfig } from '@kelisim/testing';
import { createRedis, type RedisClient } from './connection.js';
import type { EventPublisher } from '@kelisim/domain';
import { createEmitterPublisher } from './emitter-publisher.js';
import { createIoPublisher } from './io-publisher.js';

// One contract, two implementations of the domain's EventPublisher: the Redis emitter (API and
// worker) and a socket.io server on another node (gateways). Both must reach the sockets of a real
// gateway stand-in: socket.io with the Redis adapter, rooms decided from the handshake.
const config = testRedisConfig();
const adapterKey = `${config.keyPrefix}socket.io`;
let server: Server;
let url: string;
const connections: RedisClient[] = [];
const clients: Socket[] = [];

function redis(): RedisClient {
  const connection = createRedis(config);
  connections.push(connection);
  return connection;
}

beforeAll(async () => {
  const http = createServer();
  server = new Server(http, { adapter: createAdapter(redis(), redis(), { key: adapterKey }) });
  server.on('connection', (socket) => {
    const userId = Number(socket.handshake.auth.userId);
    void socket.join(rooms.user(userId));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // The adapter subscribes in the background: a push published before that would be lost.
  const probe = redis();
  const subscribers = async () =>
    ((await probe.pubsub('NUMSUB', `${adapterKey}-request#/#`)) as [string, number])[1];
  while ((await subscribers()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.close();
  await Promise.all(connections.map((c) => c.quit()));
});

async function client(userId: number): Promise<Socket> {
  const socket = connect(url, { auth: { userId }, transports: ['websocket'] });
  clients.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

function next<E extends keyof ServerEvents>(socket: Socket, event: E): Promise<ServerEvents[E]> {
  return new Promise((resolve) => {
    socket.once(String(event), (payload: ServerEvents[E]) => resolve(payload));
  });
}

function nothingWithin(socket: Socket, event: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onEvent = () => resolve(false);
    socket.once(event, onEvent);
    setTimeout(() => {
      socket.off(event, onEvent);
      resolve(true);
    }, ms);
  });
}

/** Opens a publisher whose pushes go through this Redis connection. */
type PublisherFactory = (connection: RedisClient) => EventPublisher;

function publisherContract(
  name: string,
  open: PublisherFactory,
  { survivesUnreachableRedis = true } = {},
) {
  describe(name, () => {
    afterEach(() => {
      for (const client of clients.splice(0)) client.disconnect();
    });

    it('reaches user rooms, and chat rooms once users have been joined to them, through Redis', async () => {
      const publisher = open(redis());
      const [alice, bob, carol] = [await client(1), await client(2), await client(3)];

      const toAlice = next(alice, 'unread_count');
      publisher.publish({ userIds: [1] }, 'unread_count', {
        total: 2,
        mentions: 1,
        chats: [{ chat_id: 9, unread: 2, mentions: 1, muted: false }],
      });
      expect(await toAlice).toEqual({
        total: 2,
        mentions: 1,
        chats: [{ chat_id: 9, unread: 2, mentions: 1, muted: false }],
      });

      publisher.joinChat([1, 2], 9);
      await expect.poll(async () => (await server.in(rooms.chat(9)).fetchSockets()).length).toBe(2);
      const payload = { chat_id: 9, message_id: 5, seq: 3 };
      const [a, b] = [next(alice, 'message_deleted'), next(bob, 'message_deleted')];
      const carolSilent = nothingWithin(carol, 'message_deleted', 300);
      publisher.publish({ chatIds: [9] }, 'message_deleted', payload);
      expect(await a).toEqual(payload);
      expect(await b).toEqual(payload);
      expect(await carolSilent).toBe(true);

      publisher.leaveChat([2], 9);
      await expect.poll(async () => (await server.in(rooms.chat(9)).fetchSockets()).length).toBe(1);
    });

    it('delivers once to a socket that is in several of the audience rooms', async () => {
      const publisher = open(redis());
      const dave = await client(4);
      publisher.joinChat([4], 12);
      await expect
        .poll(async () => (await server.in(rooms.chat(12)).fetchSockets()).length)
        .toBe(1);
      let received = 0;
      dave.on('participant_removed', () => received++);
      publisher.publish({ chatIds: [12], userIds: [4] }, 'participant_removed', {
        chat_id: 12,
        user_id: 4,
      });
      await expect.poll(() => received).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toBe(1);
    });

    it.runIf(survivesUnreachableRedis)(
      'never throws or crashes when Redis is unreachable',
      async () => {
        const unreachable = createRedis(
          { ...config, port: 1 },
          { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false },
        );
        unreachable.on('error', () => {});
        const publisher = open(unreachable);
        expect(() => {
          publisher.publish({ userIds: [1] }, 'error', { code: 'internal', message: 'x' });
          publisher.joinChat([1], 1);
        }).not.toThrow();
        await new Promise((resolve) => setTimeout(resolve, 100)); // an unhandled rejection would fail the run
        unreachable.disconnect();
      },
    );
  });
}

publisherContract('createEmitterPublisher', (connection) =>
  createEmitterPublisher(connection, silentLogger(), adapterKey),
);

publisherContract(
  'createIoPublisher',
  (connection) => {
    // Another node: it publishes through `connection`, and has no sockets of its own.
    const node = new Server({ adapter: createAdapter(connection, redis(), { key: adapterKey }) });
    return createIoPublisher(node, silentLogger());
  },
  // The socket.io Redis adapter leaves the rejection of a failed PUBLISH unhandled.
  { survivesUnreachableRedis: false },
);
