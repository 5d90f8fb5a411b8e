import { afterEach, describe, expect, it } from 'vitest';
import { createChat, getUnreadCounts, markChatRead, sendMessage } from '@kelisim/domain';
import { createUsers, type TestUser } from '@kelisim/testing';
import { createWorkerHarness, waitFor, waitForDrained, type WorkerHarness } from './test-worker.js';

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

describe('unread_count pushes', () => {
  it('coalesce a burst of changes into one push per user, equal to the stored counters', async () => {
    h = await createWorkerHarness('push_burst');
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
    expect(pushesTo(carol.id)[0]!.chats).toContainEqual({ chat_id: chatId, unread: 20 });
  });

  it('follow a change that lands while the user’s push runs with another push', async () => {
    h = await createWorkerHarness('push_race');
    const [alice, bob] = (await createUsers(h.database.db, 2, 'Racer')) as [TestUser, TestUser];
    const plain = await h.start();
    const chatId = await group(alice, [bob]);
    await sendMessage(h.ctx, { userId: alice.id }, { chatId, content: 'first' });
    await waitForDrained(h.queues);
    await plain.close();
    h.publisher.clear();

    let pushed!: () => void;
    const firstPushed = new Promise<void>((resolve) => (pushed = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    await h.start({
      processors: {
        ...h.processors,
        pushUnreadCounts: async (payload, job) => {
          await h.processors.pushUnreadCounts(payload, job);
          if (payload.user_id === bob.id && ++calls === 1) {
            pushed();
            await released;
          }
        },
      },
    });
    await markChatRead(h.ctx, { userId: bob.id }, chatId);
    await firstPushed;
    // Bob's push has read and sent his counters and is still running: this change comes after.
    await sendMessage(h.ctx, { userId: alice.id }, { chatId, content: 'second' });
    // The chat's fan-out queues alice's push right before bob's: once alice's is sent, bob's
    // push has been queued while his first one was still running.
    await waitFor('the send to reach alice', () => Promise.resolve(pushesTo(alice.id).length > 0));
    release();
    await waitForDrained(h.queues);

    const toBob = pushesTo(bob.id);
    expect(toBob[0]!.chats).toContainEqual({ chat_id: chatId, unread: 0 });
    expect(toBob.at(-1)).toEqual(await getUnreadCounts(h.ctx, { userId: bob.id }));
    expect(toBob.at(-1)!.chats).toContainEqual({ chat_id: chatId, unread: 1 });
  });
});
