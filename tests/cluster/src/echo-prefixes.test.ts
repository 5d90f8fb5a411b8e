import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  sleep,
  startGateway,
  tokenFor,
  waitFor,
  type GatewayProcess,
  type TestUser,
} from '@kelisim/testing';
import { useCluster } from './cluster.js';
import { eventually, laravelBroadcast, recordEcho, untilSubscribed } from './echo-helpers.js';

// Laravel 11/12's default, Laravel 13's, and none: one node configured with each.
const prefixes = ['laravel_database_', 'laravel-database-', ''] as const;
const run = randomBytes(4).toString('hex');
const fx = useCluster('echo_prefixes', 0, { count: 2, name: 'Prefix' });
let nodes: GatewayProcess[];

beforeAll(async () => {
  nodes = await Promise.all(
    prefixes.map((prefix) => startGateway({ ...fx.cluster.env, REDIS_PREFIX: prefix })),
  );
  fx.cluster.gateways.push(...nodes);
});

const echoOn = (gateway: GatewayProcess, user: TestUser) => fx.echo(gateway.url, user);

describe('REDIS_PREFIX variants', () => {
  it("delivers each node's own prefix, once, and never a channel under another prefix", async () => {
    const name = `prefix-check.${run}`;
    const received: unknown[][] = [];
    for (const [i, prefix] of prefixes.entries()) {
      const channel = (await echoOn(nodes[i]!, fx.users[0]!)).channel(name);
      received.push(recordEcho(channel, '.Checked'));
      await untilSubscribed(fx.cluster.redis, prefix, channel, name);
    }
    for (const prefix of prefixes) {
      await fx.cluster.redis.publish(`${prefix}${name}`, laravelBroadcast('Checked', { prefix }));
    }
    await eventually(() => received.every((r) => r.length > 0), 'every node got its broadcast');
    await sleep(500);
    // The empty prefix also sees `laravel_database_prefix-check…`, but as another channel name.
    expect(received).toEqual(prefixes.map((prefix) => [{ prefix, socket: null }]));
  });

  it('never takes the socket.io adapter’s own channels for broadcasts, even with an empty prefix', async () => {
    const unprefixed = nodes[2]!;
    const adapterKey = fx.cluster.env.CHAT_SOCKET_IO_KEY!;
    // A JSON message the adapter itself ignores, on its request channel: were it ingested, an Echo
    // client subscribed to a channel of that name would get it.
    const requestChannel = `${adapterKey}-request#/#`;
    const echo = await echoOn(unprefixed, fx.users[0]!);
    const trap = echo.channel(requestChannel);
    const trapped = recordEcho(trap, '.Trap');
    const control = echo.channel(`control.${run}`);
    await untilSubscribed(fx.cluster.redis, '', control, `control.${run}`);
    await fx.cluster.redis.publish(requestChannel, laravelBroadcast('Trap', {}));

    // Adapter traffic through the unprefixed node (REST → emitter → adapter channel → socket).
    const [sender, receiver] = fx.users as [TestUser, TestUser];
    const socket = await connectClient(unprefixed.url, receiver.id);
    fx.closeLater(socket);
    const chat = await supertest(fx.cluster.apiUrl)
      .post('/api/chats')
      .set({ Authorization: `Bearer ${tokenFor(sender.id)}` })
      .send({ type: 'direct', participant_ids: [receiver.id] });
    expect(chat.status).toBeLessThan(300);
    const delivered = waitFor(socket, 'new_message');
    const sent = await supertest(fx.cluster.apiUrl)
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
