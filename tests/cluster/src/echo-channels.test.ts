import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectClient, sleep, type TestUser } from '@kelisim/testing';
import { auth, useCluster } from './cluster.js';
import {
  eventually,
  laravelBroadcast,
  nextEcho,
  recordEcho,
  subscriptionError,
  untilSubscribed,
  type EchoClient,
} from './echo-helpers.js';

const prefix = 'laravel_database_';
const ttlSeconds = 2;
const run = randomBytes(4).toString('hex');
const fx = useCluster(
  'echo_channels',
  2,
  { count: 8, name: 'Channel' },
  { REDIS_PREFIX: prefix, CHAT_PRESENCE_TTL: String(ttlSeconds) },
);

const echoOn = fx.echo;

/** `user`'s Echo on `url` subscribed to the chat's private channel, as Redis shows it. */
async function chatChannelOn(url: string, user: TestUser, chatId: number) {
  const echo = await echoOn(url, user);
  const channel = echo.private(`chat.${chatId}`);
  await untilSubscribed(fx.cluster.redis, prefix, channel, `private-chat.${chatId}`);
  return { echo, channel };
}
const node = (index: number) => fx.cluster.gateways[index]!.url;

const { api, createGroup } = fx;

interface Info {
  id: number;
  name: string;
}

/** A presence channel as an Echo page sees it: `here`, then `joining`/`leaving` deltas. */
function watchPresence(echo: EchoClient, name: string) {
  const log: string[] = [];
  let members: Info[] | undefined;
  const channel = echo
    .join(name)
    .here((here: Info[]) => {
      members = here;
    })
    .joining((member: Info) => log.push(`joining ${member.id}`))
    .leaving((member: Info) => log.push(`leaving ${member.id}`));
  return {
    channel,
    log,
    here: async () => {
      await eventually(() => members !== undefined, `here on ${name}`);
      return members!.map((m) => m.id).sort((a, b) => a - b);
    },
  };
}

const info = (user: TestUser) => ({ id: user.id, name: user.name });

describe('Echo presence channels across nodes', () => {
  it('sends here, then joining on a first tab and leaving only after the last one, whichever node', async () => {
    const [watcher, user] = fx.users as [TestUser, TestUser];
    const chatId = await createGroup(watcher, [user]);
    const name = `chat.${chatId}`;

    const onA = watchPresence(await echoOn(node(0), watcher), name);
    expect(await onA.here()).toEqual([watcher.id]);

    const tab1 = await echoOn(node(1), user);
    const tab1Presence = watchPresence(tab1, name);
    expect(await tab1Presence.here()).toEqual([watcher.id, user.id].sort((a, b) => a - b));
    await eventually(() => onA.log.length === 1, 'joining on node A');
    expect(onA.log).toEqual([`joining ${user.id}`]);

    const tab2 = await echoOn(node(0), user);
    const tab2Presence = watchPresence(tab2, name);
    expect(await tab2Presence.here()).toHaveLength(2);
    await sleep(400);
    expect(onA.log).toEqual([`joining ${user.id}`]);
    expect(tab1Presence.log).toEqual([]);

    tab1.disconnect();
    await sleep(600);
    expect(onA.log).toEqual([`joining ${user.id}`]);

    tab2.disconnect();
    await eventually(() => onA.log.length === 2, 'leaving on node A');
    expect(onA.log).toEqual([`joining ${user.id}`, `leaving ${user.id}`]);
  });

  it("makes a killed node's members leave within the presence TTL, told by a surviving node", async () => {
    const [, , watcher, user] = fx.users as [TestUser, TestUser, TestUser, TestUser];
    const chatId = await createGroup(watcher, [user]);
    const doomed = await fx.cluster.startGateway();
    const onA = watchPresence(await echoOn(node(0), watcher), `chat.${chatId}`);
    await onA.here();
    const victim = watchPresence(await echoOn(doomed.url, user), `chat.${chatId}`);
    await victim.here();
    await eventually(() => onA.log.length === 1, 'joining');

    const killedAt = Date.now();
    doomed.kill('SIGKILL');
    await eventually(() => onA.log.length === 2, 'leaving after the kill', ttlSeconds * 3_000);
    expect(onA.log).toEqual([`joining ${user.id}`, `leaving ${user.id}`]);
    // Not a clean disconnect (that would be instant): the heartbeat expired and a sweep saw it.
    expect(Date.now() - killedAt).toBeGreaterThan((ttlSeconds * 1000) / 3);
  });
});

describe('whispers', () => {
  it('relays a client event from node A to the other member on node B, not back to the sender', async () => {
    const [a, b, , , outsider] = fx.users as [TestUser, TestUser, TestUser, TestUser, TestUser];
    const chatId = await createGroup(a, [b]);
    const { channel: channelA } = await chatChannelOn(node(0), a, chatId);
    const { channel: channelB } = await chatChannelOn(node(1), b, chatId);
    const atA: unknown[] = [];
    const atB: unknown[] = [];
    channelA.listenForWhisper('typing', (data: unknown) => atA.push(data));
    channelB.listenForWhisper('typing', (data: unknown) => atB.push(data));

    channelA.whisper('typing', { name: a.name, typing: true });
    await eventually(() => atB.length === 1, 'the whisper on node B');
    await sleep(400);
    expect(atB).toEqual([{ name: a.name, typing: true }]);
    expect(atA).toEqual([]);

    // A non-participant cannot subscribe, so cannot whisper either.
    const stranger = await echoOn(node(1), outsider);
    const strangerChannel = stranger.private(`chat.${chatId}`);
    expect(await subscriptionError(strangerChannel)).toBe(403);
    strangerChannel.whisper('typing', { fake: true });
    await sleep(400);
    expect(atA).toEqual([]);
    expect(atB).toHaveLength(1);
  });
});

describe('chat events on private-chat.<id>', () => {
  it('delivers a message sent through REST to .listen(".new_message") once, and stops after removal', async () => {
    const [owner, member, other] = fx.users.slice(5) as [TestUser, TestUser, TestUser];
    const chatId = await createGroup(owner, [member, other]);
    const { channel: memberChannel } = await chatChannelOn(node(1), member, chatId);
    const { echo: echoOther, channel: otherChannel } = await chatChannelOn(node(0), other, chatId);
    const atMember = recordEcho(memberChannel, '.new_message');
    const atOther = recordEcho(otherChannel, '.new_message');

    const sent = await api()
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: `hello ${run}`, temp_id: `echo-${run}` });
    expect(sent.status).toBe(201);
    await eventually(() => atMember.length === 1 && atOther.length === 1, 'new_message on both');
    await sleep(400);
    expect(atMember).toEqual([{ message: sent.body.data }]);
    expect(atOther).toEqual([{ message: sent.body.data }]);

    // The removed participant also leaves the chat's presence channel, on every node.
    const watcher = watchPresence(await echoOn(node(1), owner), `chat.${chatId}`);
    await watcher.here(); // subscribed before the other joins, or it would arrive in `here`
    const otherPresence = watchPresence(echoOther, `chat.${chatId}`);
    await otherPresence.here();
    await eventually(() => watcher.log.length === 1, 'joining');

    const removed = await api()
      .delete(`/api/chats/${chatId}/participants/${other.id}`)
      .set(auth(owner));
    expect(removed.status).toBeLessThan(300);
    await eventually(() => watcher.log.length === 2, 'leaving after the removal');
    expect(watcher.log).toEqual([`joining ${other.id}`, `leaving ${other.id}`]);
    const next = nextEcho(memberChannel, '.new_message');
    const again = await api()
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: `after ${run}` });
    expect(again.status).toBe(201);
    await next;
    await sleep(400);
    expect(atOther).toHaveLength(1);
    expect(atMember).toHaveLength(2);
  });

  it("delivers chat events a gateway publishes (a socket's send_message and typing) once", async () => {
    const [owner, member] = fx.users.slice(5) as [TestUser, TestUser];
    const chatId = await createGroup(owner, [member]);
    const echo = await echoOn(node(1), member);
    const channel = echo.private(`chat.${chatId}`);
    await untilSubscribed(fx.cluster.redis, prefix, channel, `private-chat.${chatId}`);
    const messages = recordEcho(channel, '.new_message');
    const typing = recordEcho(channel, '.typing');

    const sender = await connectClient(node(0), owner.id);
    fx.closeLater(sender);
    const ack = await sender.emitWithAck('send_message', {
      chat_id: chatId,
      content: `via socket ${run}`,
    });
    if (!ack.ok) throw new Error(ack.error.message);
    await sender.emitWithAck('typing', { chat_id: chatId, is_typing: true });
    await eventually(() => messages.length === 1 && typing.length === 1, 'both events');
    await sleep(400);
    expect(messages).toEqual([{ message: ack.message }]);
    expect(typing).toEqual([{ chat_id: chatId, user: info(owner), is_typing: true }]);
  });

  it('publishes each chat event once; every Echo subscriber gets it once, two on one node too', async () => {
    const [owner, member, third] = fx.users.slice(5) as [TestUser, TestUser, TestUser];
    const chatId = await createGroup(owner, [member, third]);
    const subscribers = [
      (await chatChannelOn(node(1), member, chatId)).channel,
      (await chatChannelOn(node(1), member, chatId)).channel,
      (await chatChannelOn(node(0), third, chatId)).channel,
    ];
    const messages = subscribers.map((channel) => recordEcho(channel, '.new_message'));
    const typing = subscribers.map((channel) => recordEcho(channel, '.typing'));

    // Every publish through the socket.io adapter, by the room it names.
    const published: string[] = [];
    const adapterChannels = fx.cluster.redis.duplicate();
    fx.closeLater({ close: () => adapterChannels.disconnect() });
    adapterChannels.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer) =>
      published.push(channel.toString()),
    );
    const key = fx.cluster.env.CHAT_SOCKET_IO_KEY!;
    await adapterChannels.psubscribe(`${key}#*`);

    const sender = await connectClient(node(0), owner.id);
    fx.closeLater(sender);
    const ack = await sender.emitWithAck('send_message', {
      chat_id: chatId,
      content: `once ${run}`,
    });
    if (!ack.ok) throw new Error(ack.error.message);
    await sender.emitWithAck('typing', { chat_id: chatId, is_typing: true });
    const viaRest = await api()
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: `once via REST ${run}` });
    expect(viaRest.status).toBe(201);

    await eventually(
      () => messages.every((got) => got.length === 2) && typing.every((got) => got.length === 1),
      'every subscriber has both messages and the typing',
    );
    await sleep(400);
    for (const got of messages) {
      expect(got).toEqual([{ message: ack.message }, { message: viaRest.body.data }]);
    }
    for (const got of typing) expect(got).toHaveLength(1);
    const aboutTheChat = published.filter(
      (channel) => channel.includes(`chat.${chatId}#`) || channel.includes(`chat:${chatId}#`),
    );
    expect(aboutTheChat).toEqual(Array(3).fill(`${key}#/#chat:${chatId}#`));
  });

  it('serves Laravel broadcasts on the chat channel too, and presence-chat members are {id, name}', async () => {
    const [owner, member] = fx.users.slice(5) as [TestUser, TestUser];
    const chatId = await createGroup(owner, [member]);
    const echo = await echoOn(node(0), owner);
    const presence = watchPresence(echo, `chat.${chatId}`);
    expect(await presence.here()).toEqual([owner.id]);
    const fromLaravel = nextEcho(presence.channel, 'ChatArchived');
    await fx.cluster.redis.publish(
      `${prefix}presence-chat.${chatId}`,
      laravelBroadcast('App\\Events\\ChatArchived', { chat_id: chatId }),
    );
    expect(await fromLaravel).toEqual({ chat_id: chatId, socket: null });

    const joined = new Promise((resolve) => presence.channel.joining(resolve));
    const memberPresence = watchPresence(await echoOn(node(1), member), `chat.${chatId}`);
    await memberPresence.here();
    expect(await joined).toEqual(info(member));
  });
});
