import { describe, expect, it } from 'vitest';
import { createChat } from '@kelisim/domain';
import {
  connectClient,
  createUsers,
  record,
  RecordingJobQueue,
  RecordingPublisher,
  sleep,
  testDomainContext,
  tokenFor,
  waitFor,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { useCluster } from './cluster.js';

const ttlSeconds = 2;
const fx = useCluster(
  'presence',
  3,
  { count: 6, name: 'Presence' },
  { CHAT_PRESENCE_TTL: String(ttlSeconds) },
);
const { client } = fx;

async function pair(a: TestUser, b: TestUser): Promise<number> {
  const ctx = testDomainContext({
    db: fx.cluster.database.db,
    events: new RecordingPublisher(),
    jobs: new RecordingJobQueue(),
  });
  const { chat } = await createChat(
    ctx,
    { userId: a.id },
    { type: 'direct', participant_ids: [b.id] },
  );
  return chat.id;
}

describe('presence across nodes', () => {
  it('tells a peer on node A when a user comes online on node B, and offline after their last tab closes', async () => {
    const [peer, user] = fx.users as [TestUser, TestUser];
    await pair(peer, user);
    const watcher = await client(0, peer);
    const events = record(watcher, 'presence');

    const online = waitFor(
      watcher,
      'presence',
      (e) => e.user_id === user.id && e.status === 'online',
    );
    const tabOnB = await client(1, user);
    await online;
    const tabOnC = await client(2, user);
    await sleep(500);
    expect(events.filter((e) => e.user_id === user.id).map((e) => e.status)).toEqual(['online']);

    tabOnB.close();
    await sleep(800);
    expect(events.filter((e) => e.user_id === user.id).map((e) => e.status)).toEqual(['online']);

    const offline = waitFor(
      watcher,
      'presence',
      (e) => e.user_id === user.id && e.status === 'offline',
    );
    tabOnC.close();
    const change = await offline;
    expect(Date.parse(change.last_seen_at!)).toBeGreaterThan(Date.now() - 10_000);
  });

  it("marks a killed node's users offline within a few presence TTLs", async () => {
    const [, , peer, user] = fx.users as [TestUser, TestUser, TestUser, TestUser];
    await pair(peer, user);
    const doomed = await fx.cluster.startGateway();
    const watcher = await client(0, peer);
    const online = waitFor(
      watcher,
      'presence',
      (e) => e.user_id === user.id && e.status === 'online',
    );
    fx.closeLater(await connectClient(doomed.url, user.id));
    await online;

    const offline = waitFor(
      watcher,
      'presence',
      (e) => e.user_id === user.id && e.status === 'offline',
      ttlSeconds * 4_000,
    );
    const killedAt = Date.now();
    doomed.kill('SIGKILL');
    await offline;
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeGreaterThan((ttlSeconds * 1000) / 3); // it took the sweep, not a clean disconnect
  });
});

describe('presence and blocks', () => {
  it('hides presence both ways between a blocker and the blocked user, across nodes', async () => {
    const [blocker, blocked, peer] = (await createUsers(fx.cluster.database.db, 3, 'Blocking')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const rest = (method: string, path: string, actor: TestUser, body?: object) =>
      fetch(`${fx.cluster.apiUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${tokenFor(actor.id)}`,
          'Content-Type': 'application/json',
        },
        body: body && JSON.stringify(body),
      });
    const created = await rest('POST', '/api/chats', blocker, {
      type: 'group',
      name: 'Blocking',
      participant_ids: [blocked.id, peer.id],
    });
    const chatId = ((await created.json()) as { data: { id: number } }).data.id;
    expect((await rest('POST', `/api/users/${blocked.id}/block`, blocker)).status).toBe(201);

    const seenByPeer = await client(0, peer);
    const seenByBlocker = await client(0, blocker);
    const blockerHeard = record(seenByBlocker, 'presence');
    // A node pushes its events in order: once a later message from the same node arrived, an
    // earlier presence event would have too.
    const barrier = async (from: ChatClient, to: ChatClient, content: string) => {
      const arrived = waitFor(to, 'new_message', (e) => e.message.content === content);
      expect((await from.emitWithAck('send_message', { chat_id: chatId, content })).ok).toBe(true);
      await arrived;
    };

    const blockedOnline = waitFor(
      seenByPeer,
      'presence',
      (e) => e.user_id === blocked.id && e.status === 'online',
    );
    const seenByBlocked = await client(1, blocked);
    const blockedHeard = record(seenByBlocked, 'presence');
    await blockedOnline;
    await barrier(seenByBlocked, seenByBlocker, 'from the blocked node');
    expect(blockerHeard.filter((e) => e.user_id === blocked.id)).toEqual([]);

    const blockerOffline = waitFor(
      seenByPeer,
      'presence',
      (e) => e.user_id === blocker.id && e.status === 'offline',
    );
    seenByBlocker.close();
    await blockerOffline;
    const blockerOnline = waitFor(
      seenByPeer,
      'presence',
      (e) => e.user_id === blocker.id && e.status === 'online',
    );
    await client(0, blocker);
    await blockerOnline;
    await barrier(seenByPeer, seenByBlocked, 'from the blocker node');
    expect(blockedHeard.filter((e) => e.user_id === blocker.id)).toEqual([]);
  });
});
