import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PlainServerFrame } from '@kelisim/contracts';
import {
  connectPlainClient,
  record,
  sleep,
  tokenFor,
  type PlainClient,
  type TestUser,
} from '@kelisim/testing';
import { auth, useCluster } from './cluster.js';
import { eventually, recordEcho, untilSubscribed } from './echo-helpers.js';

const prefix = 'laravel_database_';
const fx = useCluster(
  'message_changes',
  2,
  { count: 4, name: 'Changer' },
  { REDIS_PREFIX: prefix },
);
const node = (index: number) => fx.cluster.gateways[index]!.url;

async function plain(index: number, user: TestUser): Promise<PlainClient> {
  return fx.closeLater(await connectPlainClient(node(index), tokenFor(user.id)));
}

const framesOf = (client: PlainClient, type: PlainServerFrame['type']) =>
  client.frames.filter((frame) => frame.type === type);

describe('edits, reactions and mentions across nodes', () => {
  it('reach socket.io, /ws and Echo clients on every node exactly once, and no one else', async () => {
    const [ann, bob, cyd, outsider] = fx.users as [TestUser, TestUser, TestUser, TestUser];
    const chatId = await fx.createGroup(ann, [bob, cyd]);
    const socketAnn = await fx.client(0, ann);
    const socketBob = await fx.client(1, bob);
    const plainCyd = await plain(1, cyd);
    const echoCyd = await fx.echo(node(0), cyd);
    const echoChannel = echoCyd.private(`chat.${chatId}`);
    await untilSubscribed(fx.cluster.redis, prefix, echoChannel, `private-chat.${chatId}`);
    const strangers = [await fx.client(0, outsider), await fx.client(1, outsider)];

    const events = ['message_updated', 'reaction_added', 'reaction_removed'] as const;
    const atBob = events.map((event) => record(socketBob, event));
    const atAnn = events.map((event) => record(socketAnn, event));
    const atEcho = events.map((event) => recordEcho(echoChannel, `.${event}`));
    const leaked = strangers.flatMap((socket) => events.map((event) => record(socket, event)));

    const sent = await socketAnn.emitWithAck('send_message', { chat_id: chatId, content: 'v1' });
    if (!sent.ok) throw new Error(sent.error.message);
    const edited = await socketAnn.emitWithAck('edit_message', {
      message_id: sent.message.id,
      content: 'v2 — 修改过',
    });
    if (!edited.ok) throw new Error(edited.error.message);
    expect(edited.message).toMatchObject({ seq: sent.message.seq, content: 'v2 — 修改过' });
    expect(edited.message.edited_at).not.toBeNull();

    const bobReacts = await socketBob.emitWithAck('react', {
      message_id: sent.message.id,
      emoji: '👍🏽',
      on: true,
    });
    expect(bobReacts).toMatchObject({ ok: true, message: { reactions: [{ count: 1, me: true }] } });
    const cydReacts = await plainCyd.request({
      type: 'react',
      message_id: sent.message.id,
      emoji: '👍🏽',
      on: true,
    });
    expect(cydReacts).toMatchObject({ type: 'ack', ok: true });
    const bobTakesBack = await socketBob.emitWithAck('react', {
      message_id: sent.message.id,
      emoji: '👍🏽',
      on: false,
    });
    expect(bobTakesBack).toMatchObject({
      ok: true,
      message: { reactions: [{ count: 1, me: false }] },
    });

    const change = (user: TestUser, count: number) => ({
      chat_id: chatId,
      message_id: sent.message.id,
      emoji: '👍🏽',
      user_id: user.id,
      count,
    });
    const expected = [
      [{ message: { ...edited.message, reactions: [] } }],
      [change(bob, 1), change(cyd, 2)],
      [change(bob, 1)],
    ];
    await eventually(
      () =>
        [atBob, atAnn, atEcho].every((lists) =>
          lists.every((l, i) => l.length >= expected[i]!.length),
        ) && framesOf(plainCyd, 'reaction_removed').length === 1,
      'every change everywhere',
    );
    await sleep(400); // a duplicate would have arrived by now
    for (const lists of [atBob, atAnn, atEcho]) expect(lists).toEqual(expected);
    expect(
      events.map((type) => framesOf(plainCyd, type).map(({ type: _, ...payload }) => payload)),
    ).toEqual(expected);
    expect(leaked.flat()).toEqual([]);
  });

  it('answers refused edits and reactions in the ack, with the error code and field errors', async () => {
    const [ann, bob] = fx.users as [TestUser, TestUser];
    const chatId = await fx.createGroup(ann, [bob]);
    const socketAnn = await fx.client(0, ann);
    const socketBob = await fx.client(1, bob);
    const sent = await socketAnn.emitWithAck('send_message', { chat_id: chatId, content: 'mine' });
    if (!sent.ok) throw new Error(sent.error.message);
    const id = sent.message.id;

    expect(
      await socketBob.emitWithAck('edit_message', { message_id: id, content: 'x' }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(
      await socketBob.emitWithAck('react', { message_id: id, emoji: 'ok', on: true }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', errors: { emoji: expect.any(Array) } },
    });
    expect(
      await socketAnn.emitWithAck('edit_message', {
        message_id: id,
        content: 'x'.repeat(10_001),
      }),
    ).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(
      await socketBob.emitWithAck('react', { message_id: 987_654_321, emoji: '👍', on: true }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const run = randomBytes(2).toString('hex');
    expect(
      await socketAnn.emitWithAck('edit_message', { message_id: id, content: `still mine ${run}` }),
    ).toMatchObject({ ok: true, message: { content: `still mine ${run}` } });
  });

  it('tells only the users a message mentions, once, on whichever node they are', async () => {
    const [ann, bob, cyd] = fx.users as [TestUser, TestUser, TestUser];
    const chatId = await fx.createGroup(ann, [bob, cyd]);
    const plainAnn = await plain(0, ann);
    const bobs = [await fx.client(0, bob), await fx.client(1, bob)];
    const cyds = [await fx.client(1, cyd)];
    const toBob = bobs.map((socket) => record(socket, 'mentioned'));
    const toCyd = cyds.map((socket) => record(socket, 'mentioned'));

    const ack = await plainAnn.request({
      type: 'send_message',
      chat_id: chatId,
      content: '@Bob',
      mentions: [bob.id, 987_654],
    });
    expect(ack).toMatchObject({ type: 'ack', ok: true, message: { mentions: [bob.id] } });
    await eventually(
      () => toBob.every((l) => l.length === 1),
      'mentioned on both of Bob’s sockets',
    );
    await sleep(300);
    expect(toBob.map((l) => l.map((e) => [e.chat_id, e.message.content]))).toEqual([
      [[chatId, '@Bob']],
      [[chatId, '@Bob']],
    ]);
    expect(toCyd.flat()).toEqual([]);
  });

  it('pins, unpins and my mute reach every node once: the chat, Echo, and my own other sockets', async () => {
    const [ann, bob] = fx.users as [TestUser, TestUser];
    const chatId = await fx.createGroup(ann, [bob]);
    const annElsewhere = await fx.client(1, ann);
    const bobs = [await fx.client(0, bob), await fx.client(1, bob)];
    const echoBob = await fx.echo(node(1), bob);
    const echoChannel = echoBob.private(`chat.${chatId}`);
    await untilSubscribed(fx.cluster.redis, prefix, echoChannel, `private-chat.${chatId}`);
    const pinned = bobs.map((socket) => record(socket, 'message_pinned'));
    const unpinned = bobs.map((socket) => record(socket, 'message_unpinned'));
    const pinnedOnEcho = recordEcho(echoChannel, '.message_pinned');
    const settings = record(annElsewhere, 'chat_settings');
    const bobsSettings = bobs.map((socket) => record(socket, 'chat_settings'));

    const sent = await fx
      .api()
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(ann))
      .send({ content: 'pin me' });
    const id = sent.body.data.id as number;
    expect((await fx.api().put(`/api/messages/${id}/pin`).set(auth(bob))).status).toBe(403);
    expect((await fx.api().put(`/api/messages/${id}/pin`).set(auth(ann))).status).toBe(200);
    expect((await fx.api().put(`/api/messages/${id}/pin`).set(auth(ann))).status).toBe(200);
    expect((await fx.api().delete(`/api/messages/${id}/pin`).set(auth(ann))).status).toBe(200);
    const muted = await fx
      .api()
      .put(`/api/chats/${chatId}/settings`)
      .set(auth(ann))
      .send({ muted_until: '2030-01-01T00:00:00Z' });
    expect(muted.status).toBe(200);

    await eventually(
      () =>
        pinned.every((l) => l.length === 1) &&
        unpinned.every((l) => l.length === 1) &&
        pinnedOnEcho.length === 1 &&
        settings.length === 1,
      'pin, unpin and settings everywhere',
    );
    await sleep(300);
    for (const list of pinned) {
      expect(list.map((e) => [e.chat_id, e.message.id, e.message.pinned_by])).toEqual([
        [chatId, id, ann.id],
      ]);
    }
    for (const list of unpinned) expect(list).toEqual([{ chat_id: chatId, message_id: id }]);
    expect(settings).toEqual([{ chat_id: chatId, muted_until: '2030-01-01T00:00:00.000Z' }]);
    expect(bobsSettings.flat()).toEqual([]);
  });
});
