import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsers, sleep, tokenFor, type TestUser } from '@kelisim/testing';
import { startCluster, type TestCluster } from './cluster.js';
import {
  connectEcho,
  eventually,
  laravelBroadcast,
  recordEcho,
  startFakeLaravel,
  subscriptionError,
  untilSubscribed,
  type EchoClient,
  type FakeLaravel,
} from './echo-helpers.js';

const prefix = 'laravel_database_';
// Channel names of this run only: other runs may share the Redis (and Laravel's prefix).
const run = randomBytes(4).toString('hex');
let laravel: FakeLaravel;
let cluster: TestCluster;
let users: TestUser[];
const clients: EchoClient[] = [];
const userOfToken = new Map<string, TestUser>();
const tokens = new Map<EchoClient, string>();

beforeAll(async () => {
  laravel = await startFakeLaravel(({ channel, authorization }) => {
    const user = userOfToken.get(authorization?.replace(/^Bearer /, '') ?? '');
    if (!user || channel.startsWith('private-refused')) return { status: 403, body: '' };
    if (!channel.startsWith('presence-')) return { status: 200, body: 'true' };
    const channelData = { user_id: user.id, user_info: { id: user.id, name: user.name } };
    return { status: 200, body: JSON.stringify({ channel_data: channelData }) };
  });
  cluster = await startCluster('echo_broadcasts', 3, {
    REDIS_PREFIX: prefix,
    LARAVEL_AUTH_URL: laravel.authUrl,
    CHAT_ALLOW_GUESTS: 'true',
  });
  users = await createUsers(cluster.database.db, 3, 'Echo');
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await cluster?.close();
  await laravel?.close();
});

async function echoOn(node: number, user?: TestUser): Promise<EchoClient> {
  let token: string | undefined;
  if (user) {
    token = tokenFor(user.id);
    userOfToken.set(token, user);
  }
  const echo = await connectEcho(cluster.gateways[node]!.url, token);
  clients.push(echo);
  if (token) tokens.set(echo, token);
  return echo;
}

const publish = (channel: string, payload: string) =>
  cluster.redis.publish(`${prefix}${channel}`, payload);

describe('Laravel broadcasts to laravel-echo clients on a three-node cluster', () => {
  it('reaches .listen() on public, private and presence channels exactly once per client, on every node', async () => {
    const names = {
      public: `orders.${run}`,
      private: `private-orders.${run}`,
      presence: `presence-orders.${run}`,
    };
    const echos = await Promise.all(users.map((user, node) => echoOn(node, user)));
    const heres: unknown[][] = [];
    const received = await Promise.all(
      echos.map(async (echo) => {
        const publicChannel = echo.channel(names.public);
        const privateChannel = echo.private(`orders.${run}`);
        const presenceChannel = echo.join(`orders.${run}`);
        const here = new Promise<void>((resolve) =>
          presenceChannel.here((members: unknown[]) => {
            heres.push(members);
            resolve();
          }),
        );
        const records = {
          public: recordEcho(publicChannel, 'OrderShipped'),
          custom: recordEcho(publicChannel, '.order.custom'),
          private: recordEcho(privateChannel, 'OrderShipped'),
          presence: recordEcho(presenceChannel, 'OrderShipped'),
        };
        await untilSubscribed(cluster.redis, prefix, publicChannel, names.public);
        await untilSubscribed(cluster.redis, prefix, privateChannel, names.private);
        await here;
        return records;
      }),
    );

    const order = { id: 1, total: '12.50', note: 'ünïcode ✓' };
    await publish(names.public, laravelBroadcast('App\\Events\\OrderShipped', { order }));
    await publish(names.public, laravelBroadcast('order.custom', { order }));
    await publish(names.private, laravelBroadcast('App\\Events\\OrderShipped', { order }));
    await publish(names.presence, laravelBroadcast('App\\Events\\OrderShipped', { order }));
    await eventually(
      () =>
        received.every(
          (r) => r.public.length * r.custom.length * r.private.length * r.presence.length > 0,
        ),
      'every client got every broadcast',
    );
    await sleep(500);

    for (const r of received) {
      expect(r.public).toEqual([{ order, socket: null }]);
      expect(r.custom).toEqual([{ order, socket: null }]);
      expect(r.private).toEqual([{ order, socket: null }]);
      expect(r.presence).toEqual([{ order, socket: null }]);
    }
    // Members are what Laravel's channel_data said; whoever subscribed last saw all three.
    const fullest = heres.reduce((a, b) => (b.length > a.length ? b : a), []);
    expect(fullest).toHaveLength(3);
    expect(fullest).toEqual(
      expect.arrayContaining(users.map((user) => ({ id: user.id, name: user.name }))),
    );
    // Laravel was asked as laravel-echo-server asked it: the client's headers, its socket id.
    for (const echo of echos) {
      const asked = laravel.requests.find(
        (r) => r.channel === names.private && r.socketId === echo.socketId(),
      );
      expect(asked?.authorization).toBe(`Bearer ${tokens.get(echo)}`);
    }
  });

  it("leaves out the socket named in the payload (Laravel's toOthers / X-Socket-ID)", async () => {
    const name = `orders.others.${run}`;
    const echos = [await echoOn(0, users[0]), await echoOn(1, users[1]), await echoOn(2, users[2])];
    const received: unknown[][] = [];
    for (const echo of echos) {
      const channel = echo.channel(name);
      received.push(recordEcho(channel, 'OrderShipped'));
      await untilSubscribed(cluster.redis, prefix, channel, name);
    }
    const sender = echos[1]!.socketId()!;
    await publish(name, laravelBroadcast('App\\Events\\OrderShipped', { id: 2 }, sender));
    await eventually(() => received[0]!.length === 1 && received[2]!.length === 1, 'the others');
    await sleep(400);
    expect(received.map((r) => r.length)).toEqual([1, 0, 1]);
    expect(received[0]).toEqual([{ id: 2, socket: sender }]);
  });

  it('refuses a private channel Laravel refuses with subscription_error, and delivers nothing on it', async () => {
    const echo = await echoOn(1, users[0]);
    const refused = echo.private(`refused.${run}`);
    const got = recordEcho(refused, 'OrderShipped');
    expect(await subscriptionError(refused)).toBe(403);
    expect(laravel.requests.some((r) => r.channel === `private-refused.${run}`)).toBe(true);

    await publish(`private-refused.${run}`, laravelBroadcast('App\\Events\\OrderShipped', {}));
    await sleep(400);
    expect(got).toEqual([]);
  });

  it('lets guests in on public channels only, and still refuses a bad token', async () => {
    const guest = await echoOn(2);
    const name = `news.${run}`;
    const news = guest.channel(name);
    const got = recordEcho(news, 'NewsPublished');
    await untilSubscribed(cluster.redis, prefix, news, name);
    await publish(name, laravelBroadcast('App\\Events\\NewsPublished', { id: 3 }));
    await eventually(() => got.length === 1, 'the guest got the news');

    const requestsBefore = laravel.requests.length;
    expect(await subscriptionError(guest.private(`orders.${run}`))).toBe(401);
    expect(laravel.requests.length).toBe(requestsBefore);
    const socket = guest.connector.socket;
    const ack = await new Promise((resolve) =>
      socket.emit('send_message', { chat_id: 1, content: 'hi' }, resolve),
    );
    expect(ack).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    await expect(connectEcho(cluster.gateways[0]!.url, 'not-a-jwt')).rejects.toMatchObject({
      data: { code: 'unauthenticated' },
    });
  });

  it('drops malformed and huge broadcasts without effect, and the node stays healthy', async () => {
    const name = `orders.malformed.${run}`;
    const echo = await echoOn(0, users[0]);
    const channel = echo.channel(name);
    const got = recordEcho(channel, '.Bad');
    const good = recordEcho(channel, '.Good');
    await untilSubscribed(cluster.redis, prefix, channel, name);
    const node = cluster.gateways[0]!;
    const drops = () =>
      node.logs
        .map((line) => JSON.parse(line) as { msg?: string; reason?: string; channel?: string })
        .filter((entry) => entry.msg === 'dropped a Laravel broadcast' && entry.channel === name)
        .map((entry) => entry.reason);

    const huge = laravelBroadcast('Bad', { blob: 'x'.repeat(1_100_000) });
    for (const payload of [
      '{"event": "Bad", "data": {',
      '{"data": {"a": 1}, "socket": null}',
      huge,
    ]) {
      await publish(name, payload);
      // Drops are logged at most once a second.
      await sleep(1_050);
    }
    await publish(name, laravelBroadcast('Good', { ok: true }));
    await eventually(() => good.length === 1, 'the good broadcast after the bad ones');
    expect(got).toEqual([]);
    expect(drops()).toEqual(['not JSON', 'not {event, data, socket}', 'too large']);
    const health = await fetch(`${node.url}/health/ready`);
    expect(health.status).toBe(200);
  });
});
