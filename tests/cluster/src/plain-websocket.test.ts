import { describe, expect, it } from 'vitest';
import { plainCloseCodes, type MessageResource } from '@kelisim/contracts';
import {
  connectPlainClient,
  record,
  sleep,
  tokenFor,
  type PlainClient,
  type TestUser,
} from '@kelisim/testing';
import { auth, useCluster } from './cluster.js';

const fx = useCluster('plain_ws', 2, { count: 4, name: 'Plain' });

async function plain(node: number, user: TestUser): Promise<PlainClient> {
  return fx.closeLater(await connectPlainClient(fx.cluster.gateways[node]!.url, tokenFor(user.id)));
}

const newMessages = (client: PlainClient) =>
  client.frames.flatMap((f) => (f.type === 'new_message' ? [f.message] : []));

describe("the seed's plain WebSocket across nodes", () => {
  it('delivers /ws, socket.io and REST sends to /ws clients on every node exactly once, in seq order', async () => {
    const [a, b, c, outsider] = fx.users as [TestUser, TestUser, TestUser, TestUser];
    const chatId = await fx.createGroup(a, [b, c]);
    const plainA = await plain(0, a);
    const plainB = await plain(1, b);
    const plainC = [await plain(0, c), await plain(1, c)];
    const strangers = [await plain(0, outsider), await plain(1, outsider)];
    const socketB = await fx.client(1, b);
    const onSocketIo = record(socketB, 'new_message');

    const acks: MessageResource[] = [];
    for (let i = 0; i < 15; i++) {
      if (i % 3 === 0) {
        const ack = await plainA.request({
          type: 'send_message',
          chat_id: chatId,
          content: `plain ${i}`,
          message_type: 'text',
          temp_id: `p${i}`,
        });
        expect(ack).toMatchObject({ type: 'ack', ok: true });
        acks.push((ack as unknown as { message: MessageResource }).message);
      } else if (i % 3 === 1) {
        const ack = await socketB.emitWithAck('send_message', {
          chat_id: chatId,
          content: `socket ${i}`,
        });
        if (!ack.ok) throw new Error(ack.error.message);
        acks.push(ack.message);
      } else {
        const res = await fx
          .api()
          .post(`/api/chats/${chatId}/messages`)
          .set(auth(c))
          .send({ content: `rest ${i}` });
        expect(res.status).toBe(201);
        acks.push(res.body.data as MessageResource);
      }
    }
    const receivers = [plainA, plainB, ...plainC];
    for (const client of receivers) {
      await expect.poll(() => newMessages(client).length).toBe(15);
    }
    await expect.poll(() => onSocketIo.length).toBe(15);
    await sleep(300); // a duplicate would have arrived by now
    const seqs = acks.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const client of receivers) {
      expect(newMessages(client).map((m) => m.seq)).toEqual(seqs);
      expect(newMessages(client).map((m) => m.id)).toEqual(acks.map((m) => m.id));
    }
    for (const stranger of strangers) expect(newMessages(stranger)).toEqual([]);
  });

  it('closes /ws with 1012 when a node drains; the client resumes by seq on another node', async () => {
    const [a, b] = fx.users as [TestUser, TestUser];
    const chatId = await fx.createGroup(a, [b]);
    const extra = await fx.cluster.startGateway();
    const onDraining = fx.closeLater(await connectPlainClient(extra.url, tokenFor(b.id)));
    const sender = await plain(0, a);
    await sender.request({ type: 'send_message', chat_id: chatId, content: 'before' });
    await onDraining.frame('new_message', (f) => f.message.content === 'before');

    extra.kill('SIGTERM');
    expect((await onDraining.closed).code).toBe(plainCloseCodes.serviceRestart);
    expect(await extra.exited).toBe(0);
    await sender.request({ type: 'send_message', chat_id: chatId, content: 'while away' });

    const resumed = await plain(1, b);
    const lastSeen = newMessages(onDraining).at(-1)!.seq;
    const sync = await resumed.request({ type: 'sync', chat_id: chatId, after_seq: lastSeen });
    expect(sync).toMatchObject({
      type: 'ack',
      messages: [{ seq: lastSeen + 1, content: 'while away' }],
      has_more: false,
    });
  });
});
