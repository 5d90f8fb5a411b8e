import { describe, expect, it } from 'vitest';
import type { MessageResource } from '@kelisim/contracts';
import { record, sleep, waitFor, type TestUser } from '@kelisim/testing';
import { auth, useCluster } from './cluster.js';

const fx = useCluster('delivery', 3, { count: 6, name: 'Node' });
const { client } = fx;

const { api, createGroup } = fx;

describe('a three-node cluster', () => {
  it('delivers socket and REST sends to participants on every node exactly once, in seq order', async () => {
    const [a, b, c, outsider] = fx.users as [TestUser, TestUser, TestUser, TestUser];
    const chatId = await createGroup(a, [b, c]);
    const sa = await client(0, a);
    const sb = await client(1, b);
    const sc = await client(2, c);
    const so = [await client(0, outsider), await client(1, outsider), await client(2, outsider)];
    const received = [sa, sb, sc].map((s) => record(s, 'new_message'));
    const leaked = so.map((s) => record(s, 'new_message'));

    const acks: MessageResource[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) {
        const ack = await sa.emitWithAck('send_message', {
          chat_id: chatId,
          content: `socket ${i}`,
          temp_id: `s${i}`,
        });
        expect(ack.ok).toBe(true);
        if (ack.ok) acks.push(ack.message);
      } else {
        const res = await api()
          .post(`/api/chats/${chatId}/messages`)
          .set(auth(b))
          .send({ content: `rest ${i}` });
        expect(res.status).toBe(201);
        acks.push(res.body.data as MessageResource);
      }
    }
    for (const list of received) {
      await expect.poll(() => list.length).toBe(20);
    }
    await sleep(300); // anything extra (a duplicate) would have arrived by now
    for (const list of received) {
      expect(list.map((e) => e.message.seq)).toEqual(acks.map((m) => m.seq));
      expect(list.map((e) => e.message.id)).toEqual(acks.map((m) => m.id));
    }
    expect(acks.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(leaked.flat()).toEqual([]);
    const metrics = await (await fetch(fx.cluster.gateways[0]!.metricsUrl)).text();
    expect(metrics).toMatch(/^kelisim_sockets_connected\{service="realtime"\} 2$/m);
    expect(metrics).toMatch(
      /kelisim_events_published_total\{event="new_message",service="realtime"\} 10/,
    );
  });

  it('stops pushing to a participant removed via REST on any node, starts for one added', async () => {
    const [a, b, , , d] = fx.users as [TestUser, TestUser, TestUser, TestUser, TestUser];
    const chatId = await createGroup(a, [b]);
    const sb = await client(1, b);
    const sd = await client(2, d);
    const toB = record(sb, 'new_message');
    const toD = record(sd, 'new_message');

    const removal = waitFor(sb, 'participant_removed', (e) => e.chat_id === chatId);
    const removed = await api().delete(`/api/chats/${chatId}/participants/${b.id}`).set(auth(a));
    expect(removed.status).toBe(204);
    await removal;
    const welcome = waitFor(sd, 'chat_created', (e) => e.chat.id === chatId);
    const added = await api()
      .post(`/api/chats/${chatId}/participants`)
      .set(auth(a))
      .send({ user_ids: [d.id] });
    expect(added.status).toBe(200);
    await welcome;

    const sent = await api()
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(a))
      .send({ content: 'after the change' });
    await expect.poll(() => toD.map((e) => e.message.id)).toEqual([sent.body.data.id]);
    await sleep(300);
    expect(toB).toEqual([]);
  });

  it('keeps a send idempotent when the same temp_id is retried on another node', async () => {
    const [a, b] = fx.users as [TestUser, TestUser];
    const chatId = await createGroup(a, [b]);
    const onNode0 = await client(0, a);
    const onNode2 = await client(2, a);
    const sb = await client(1, b);
    const toB = record(sb, 'new_message');
    const payload = { chat_id: chatId, content: 'exactly once', temp_id: 'retry-me' };
    const [first, retry] = await Promise.all([
      onNode0.emitWithAck('send_message', payload),
      onNode2.emitWithAck('send_message', payload),
    ]);
    expect(first.ok && retry.ok).toBe(true);
    if (first.ok && retry.ok) expect(retry.message.id).toBe(first.message.id);
    await expect.poll(() => toB.length).toBe(1);
    await sleep(300);
    expect(toB).toHaveLength(1);
    expect(await fx.cluster.database.db.message.count({ where: { chatId } })).toBe(1);
  });

  it('syncs exactly the missed messages after a reconnect to another node', async () => {
    const [a, b] = fx.users as [TestUser, TestUser];
    const chatId = await createGroup(a, [b]);
    for (let i = 1; i <= 5; i++) {
      await api()
        .post(`/api/chats/${chatId}/messages`)
        .set(auth(a))
        .send({ content: `m${i}` });
    }
    const sb = await client(2, b);
    const page = await sb.emitWithAck('sync', { chat_id: chatId, after_seq: 2 });
    expect(page.ok).toBe(true);
    if (page.ok) {
      expect(page.messages.map((m) => m.content)).toEqual(['m3', 'm4', 'm5']);
      expect(page.has_more).toBe(false);
    }
  });
});
