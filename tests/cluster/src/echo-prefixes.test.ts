import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createUsers,
  sleep,
  startGateway,
  tokenFor,
  waitFor,
  type ChatClient,
  type GatewayProcess,
  type TestUser,
} from '@kelisim/testing';
import { startCluster, type TestCluster } from './cluster.js';
import {
  connectEcho,
  eventually,
  laravelBroadcast,
  recordEcho,
  untilSubscribed,
  type EchoClient,
} from './echo-helpers.js';

// Laravel 11/12's default, Laravel 13's, and none: one node configured with each.
const prefixes = ['laravel_database_', 'laravel-database-', ''] as const;
const run = randomBytes(4).toString('hex');
let cluster: TestCluster;
let nodes: GatewayProcess[];
let users: TestUser[];
const clients: EchoClient[] = [];
const sockets: ChatClient[] = [];

beforeAll(async () => {
  cluster = await startCluster('echo_prefixes', 0);
  nodes = await Promise.all(
    prefixes.map((prefix) => startGateway({ ...cluster.env, REDIS_PREFIX: prefix })),
  );
  cluster.gateways.push(...nodes);
  users = await createUsers(cluster.database.db, 2, 'Prefix');
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const socket of sockets) socket.close();
  await cluster?.close();
});

async function echoOn(gateway: GatewayProcess, user: TestUser): Promise<EchoClient> {
  const echo = await connectEcho(gateway.url, tokenFor(user.id));
  clients.push(echo);
  return echo;
}

describe('REDIS_PREFIX variants', () => {
  it("delivers each node's own prefix, once, and never a channel under another prefix", async () => {
    const name = `prefix-check.${run}`;
    const received: unknown[][] = [];
    for (const [i, prefix] of prefixes.entries()) {
      const channel = (await echoOn(nodes[i]!, users[0]!)).channel(name);
      received.push(recordEcho(channel, '.Checked'));
      await untilSubscribed(cluster.redis, prefix, channel, name);
    }
    for (const prefix of prefixes) {
      await cluster.redis.publish(`${prefix}${name}`, laravelBroadcast('Checked', { prefix }));
    }
    await eventually(() => received.every((r) => r.length > 0), 'every node got its broadcast');
    await sleep(500);
    // The empty prefix also sees `laravel_database_prefix-check…`, but as another channel name.
    expect(received).toEqual(prefixes.map((prefix) => [{ prefix, socket: null }]));
  });

  it('never takes the socket.io adapter’s own channels for broadcasts, even with an empty prefix', async () => {
    const unprefixed = nodes[2]!;
    const adapterKey = cluster.env.CHAT_SOCKET_IO_KEY!;
    // A JSON message the adapter itself ignores, on its request channel: were it ingested, an Echo
    // client subscribed to a channel of that name would get it.
    const requestChannel = `${adapterKey}-request#/#`;
    const echo = await echoOn(unprefixed, users[0]!);
    const trap = echo.channel(requestChannel);
    const trapped = recordEcho(trap, '.Trap');
    const control = echo.channel(`control.${run}`);
    await untilSubscribed(cluster.redis, '', control, `control.${run}`);
    await cluster.redis.publish(requestChannel, laravelBroadcast('Trap', {}));

    // Adapter traffic through the unprefixed node (REST → emitter → adapter channel → socket).
    const [sender, receiver] = users as [TestUser, TestUser];
    const socket = await connectClient(unprefixed.url, receiver.id);
    sockets.push(socket);
    const chat = await supertest(cluster.apiUrl)
      .post('/api/chats')
      .set({ Authorization: `Bearer ${tokenFor(sender.id)}` })
      .send({ type: 'direct', participant_ids: [receiver.id] });
    expect(chat.status).toBeLessThan(300);
    const delivered = waitFor(socket, 'new_message');
    const sent = await supertest(cluster.apiUrl)
      .post(`/api/chats/${chat.body.data.id}/messages`)
      .set({ Authorization: `Bearer ${tokenFor(sender.id)}` })
      .send({ content: 'through the adapter' });
    expect(sent.status).toBe(201);
    await delivered;
    await sleep(400);

    expect(trapped).toEqual([]);
    const adapterDrops = unprefixed.logs.filter(
      (line) => line.includes('dropped a Laravel broadcast') && line.includes(adapterKey),
    );
    expect(adapterDrops).toEqual([]);
  });
});
