import { io } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvents } from '@kelisim/contracts';
import { createChat, sendMessage, type DomainContext } from '@kelisim/domain';
import {
  createUsers,
  RecordingJobQueue,
  RecordingPublisher,
  testDomainContext,
  tokenFor,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { useCluster } from './cluster.js';

// Two gateway processes with the default limits (100 events per user per 10 s).
const fx = useCluster('reconnect', 2, { count: 6, name: 'Reconnect' });
const { client } = fx;
let ctx: DomainContext;

beforeAll(() => {
  ctx = testDomainContext({
    db: fx.cluster.database.db,
    events: new RecordingPublisher(),
    jobs: new RecordingJobQueue(),
    limits: { messageMaxLength: 1_000, groupMaxMembers: 1_000 },
  });
});

async function groupOf(owner: TestUser, others: TestUser[]): Promise<number> {
  const { chat } = await createChat(
    ctx,
    { userId: owner.id },
    { type: 'group', name: 'g', participant_ids: others.map((u) => u.id) },
  );
  return chat.id;
}

describe('resume after an outage, with the default limits', () => {
  it('resumes 150 chats, one sync each or one sync_chats, after the general event budget is spent', async () => {
    const [me, peer] = fx.users as [TestUser, TestUser];
    const chatIds: number[] = [];
    for (let i = 0; i < 150; i++) {
      const chatId = await groupOf(peer, [me]);
      await sendMessage(ctx, { userId: peer.id }, { chatId, content: `missed ${i}` });
      chatIds.push(chatId);
    }

    // Typing in a busy chat spends this user's budget of 100 events per window, cluster-wide.
    const busy = await client(0, me);
    for (let i = 0; i < 100; i++) busy.emit('typing', { chat_id: chatIds[0]!, is_typing: true });
    const spent = await busy.emitWithAck('typing', { chat_id: chatIds[0]!, is_typing: false });
    expect(spent).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(!spent.ok && spent.error.retry_after).toBeGreaterThanOrEqual(1);

    const resumed = await client(1, me);
    const answers = await Promise.all(
      chatIds.map((chatId) => resumed.emitWithAck('sync', { chat_id: chatId, after_seq: 0 })),
    );
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(answers.map((a) => a.ok && a.messages.map((m) => m.content))).toEqual(
      chatIds.map((_, i) => [`missed ${i}`]),
    );

    const all = await resumed.emitWithAck('sync_chats', {
      chats: chatIds.map((chatId) => ({ chat_id: chatId, after_seq: 0 })),
    });
    expect(all.ok).toBe(true);
    if (!all.ok) return;
    expect(all.not_found).toEqual([]);
    expect(all.chats.map((c) => [c.chat_id, c.messages.map((m) => m.content), c.has_more])).toEqual(
      chatIds.map((chatId, i) => [chatId, [`missed ${i}`], false]),
    );
  });

  it('refuses a sync_chats of more than 200 chats or with a repeated chat', async () => {
    const socket = await client(0, fx.users[2]!);
    const tooMany = await socket.emitWithAck('sync_chats', {
      chats: Array.from({ length: 201 }, (_, i) => ({ chat_id: i + 1, after_seq: 0 })),
    });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const repeated = await socket.emitWithAck('sync_chats', {
      chats: [
        { chat_id: 1, after_seq: 0 },
        { chat_id: 1, after_seq: 3 },
      ],
    });
    expect(repeated).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });
});

describe('presence at connect', () => {
  /** Connects with the listener in place before the handshake, and waits for the snapshot. */
  async function snapshotOn(node: number, user: TestUser) {
    const socket: ChatClient = io(fx.cluster.gateways[node]!.url, {
      auth: { token: tokenFor(user.id) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    fx.closeLater(socket);
    const snapshot = new Promise<ServerEvents['presence_snapshot']>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no presence_snapshot')), 10_000);
      socket.once('presence_snapshot', (payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
      socket.once('connect_error', reject);
    });
    socket.connect();
    return snapshot;
  }

  it('tells a client connecting on node B who of its chats is online on node A', async () => {
    const [me, friend, stranger] = fx.users.slice(3) as [TestUser, TestUser, TestUser];
    const [offlinePeer] = (await createUsers(fx.cluster.database.db, 1, 'Offline')) as [TestUser];
    await groupOf(me, [friend, offlinePeer]);
    await client(0, friend);
    await client(0, stranger);

    expect(await snapshotOn(1, me)).toEqual({
      users: [{ user_id: friend.id, status: 'online', last_seen_at: null }],
    });
  });
});
