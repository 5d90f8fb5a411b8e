import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { record, sleep, tokenFor, type TestUser } from '@kelisim/testing';
import { useCluster } from './cluster.js';

// Redis 7 serves sharded pub/sub (SSUBSCRIBE) on a single node too, so the mode is testable here.
const fx = useCluster('sharded', 2, { count: 3, name: 'Shard' }, { CHAT_REDIS_ADAPTER: 'sharded' });
const { client } = fx;

describe('the sharded Redis adapter', () => {
  it('delivers socket and REST sends across nodes exactly once, and moves sockets on membership changes', async () => {
    const [a, b, c] = fx.users as [TestUser, TestUser, TestUser];
    const auth = (u: TestUser) => ({ Authorization: `Bearer ${tokenFor(u.id)}` });
    const api = () => supertest(fx.cluster.apiUrl);
    const created = await api()
      .post('/api/chats')
      .set(auth(a))
      .send({ type: 'group', participant_ids: [b.id] });
    const chatId = created.body.data.id as number;
    const sa = await client(0, a);
    const sb = await client(1, b);
    const sc = await client(1, c);
    const toA = record(sa, 'new_message');
    const toB = record(sb, 'new_message');
    const toC = record(sc, 'new_message');

    const ack = await sa.emitWithAck('send_message', { chat_id: chatId, content: 'over shards' });
    expect(ack.ok).toBe(true);
    await api().post(`/api/chats/${chatId}/messages`).set(auth(b)).send({ content: 'via REST' });
    await api()
      .post(`/api/chats/${chatId}/participants`)
      .set(auth(a))
      .send({ user_ids: [c.id] });
    await expect
      .poll(async () => (await sc.emitWithAck('sync', { chat_id: chatId, after_seq: 0 })).ok)
      .toBe(true);
    await sleep(200);
    await api().post(`/api/chats/${chatId}/messages`).set(auth(a)).send({ content: 'welcome c' });

    await expect.poll(() => toB.map((e) => e.message.seq)).toEqual([1, 2, 3]);
    await expect.poll(() => toC.map((e) => e.message.seq)).toEqual([3]);
    await sleep(300);
    expect(toA.map((e) => e.message.seq)).toEqual([1, 2, 3]);
    expect(toB).toHaveLength(3);
  });
});
