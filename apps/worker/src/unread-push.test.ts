import { once } from 'node:events';
import { QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { redisTopologies, useRedisTopology } from '@kelisim/testing';
import { createChat, getUnreadCounts, markChatRead, sendMessage } from '@kelisim/domain';
import { createUsers, type TestUser } from '@kelisim/testing';
import { createWorkerHarness, waitForDrained, type WorkerHarness } from './test-worker.js';

let h: WorkerHarness;
afterEach(() => h.close());

async function group(owner: TestUser, others: TestUser[]): Promise<number> {
  const { chat } = await createChat(
    h.ctx,
    { userId: owner.id },
    { type: 'group', participant_ids: others.map((u) => u.id) },
  );
  return chat.id;
}

function pushesTo(userId: number) {
  return h.publisher
    .of('unread_count')
    .filter((e) => e.audience.userIds?.includes(userId))
    .map((e) => e.payload);
}

// BullMQ's deduplication on a Cluster too: its keys share the prefix's hash tag.
describe.each(redisTopologies)('unread_count pushes on %s', (topology) => {
  const redis = useRedisTopology(topology);

  it('coalesce a burst of changes into one push per user, equal to the stored counters', async () => {
    h = await createWorkerHarness('push_burst', { redis: redis() });
    const users = await createUsers(h.database.db, 3, 'Burst');
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    const workers = await h.start();
    const chatId = await group(alice, [bob, carol]);
    await waitForDrained(h.queues);
    await workers.close();
    h.publisher.clear();

    for (let i = 0; i < 20; i++) {
      const sender = i % 3 === 0 ? bob : alice;
      await sendMessage(h.ctx, { userId: sender.id }, { chatId, content: `burst ${i}` });
    }
    await h.start();
    await waitForDrained(h.queues);

    for (const user of users) {
      expect(pushesTo(user.id)).toEqual([await getUnreadCounts(h.ctx, { userId: user.id })]);
    }
    expect(pushesTo(carol.id)[0]!.chats).toContainEqual({
      chat_id: chatId,
      unread: 20,
      mentions: 0,
      muted: false,
    });
  });

  it('follow a change that lands while the push runs with another push', async () => {
    h = await createWorkerHarness('push_race', { redis: redis() });
    const [alice, bob] = (await createUsers(h.database.db, 2, 'Racer')) as [TestUser, TestUser];
    const plain = await h.start();
    const chatId = await group(alice, [bob]);
    await sendMessage(h.ctx, { userId: alice.id }, { chatId, content: 'first' });
    await waitForDrained(h.queues);
    await plain.close();
    h.publisher.clear();

    const events = new QueueEvents('unread', { connection: h.connection, prefix: h.prefix });
    await events.waitUntilReady();
    let pushed!: () => void;
    const firstPushed = new Promise<void>((resolve) => (pushed = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    try {
      await h.start({
        processors: {
          ...h.processors,
          pushUnreadCounts: async (payload, job) => {
            await h.processors.pushUnreadCounts(payload, job);
            if (++calls === 1) {
              pushed();
              await released;
            }
          },
        },
      });
      await markChatRead(h.ctx, { userId: bob.id }, chatId);
      await firstPushed;
      // The push has read and sent bob's counters and is still running: this change comes after,
      // and its push job is kept to run once the running one ends.
      const kept = once(events, 'deduplicated');
      await sendMessage(h.ctx, { userId: alice.id }, { chatId, content: 'second' });
      await kept;
      release();
      await waitForDrained(h.queues);
    } finally {
      await events.close();
    }

    const toBob = pushesTo(bob.id);
    expect(toBob[0]!.chats).toContainEqual({
      chat_id: chatId,
      unread: 0,
      mentions: 0,
      muted: false,
    });
    expect(toBob.at(-1)).toEqual(await getUnreadCounts(h.ctx, { userId: bob.id }));
    expect(toBob.at(-1)!.chats).toContainEqual({
      chat_id: chatId,
      unread: 1,
      mentions: 0,
      muted: false,
    });
  });
});
