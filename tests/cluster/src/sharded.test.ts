import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createUsers,
  record,
  sleep,
  tokenFor,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { startCluster, type TestCluster } from './cluster.js';

// Redis 7 serves sharded pub/sub (SSUBSCRIBE) on a single node too, so the mode is testable here.
let cluster: TestCluster;
let users: TestUser[];
const clients: ChatClient[] = [];

beforeAll(async () => {
  cluster = await startCluster('sharded', 2, { CHAT_REDIS_ADAPTER: 'sharded' });
  users = await createUsers(cluster.database.db, 3, 'Shard');
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster.close();
});

describe('the sharded Redis adapter', () => {
  it('delivers socket and REST sends across nodes exactly once, and moves sockets on membership changes', async () => {
    const [a, b, c] = users as [TestUser, TestUser, TestUser];
    const auth = (u: TestUser) => ({ Authorization: `Bearer ${tokenFor(u.id)}` });
    const api = () => supertest(cluster.apiUrl);
    const created = await api()
      .post('/api/chats')
      .set(auth(a))
      .send({ type: 'group', participant_ids: [b.id] });
    const chatId = created.body.data.id as number;
    const sa = await connectClient(cluster.gateways[0]!.url, a.id);
    const sb = await connectClient(cluster.gateways[1]!.url, b.id);
    const sc = await connectClient(cluster.gateways[1]!.url, c.id);
    clients.push(sa, sb, sc);
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
