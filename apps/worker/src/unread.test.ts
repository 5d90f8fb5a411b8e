import { afterEach, describe, expect, it } from 'vitest';
import {
  addParticipants,
  createChat,
  deleteMessage,
  markChatRead,
  removeParticipant,
  sendMessage,
  type UnreadCorrection,
} from '@kelisim/domain';
import { Prisma } from '@kelisim/db';
import { createUsers, seededRandom } from '@kelisim/testing';
import {
  createWorkerHarness,
  waitFor,
  waitForDrained,
  waitForJob,
  type WorkerHarness,
} from './test-worker.js';

let h: WorkerHarness;
afterEach(() => h.close());

interface CounterRow {
  id: number;
  userId: number;
  stored: number;
  exact: number;
}

/** Every participant's stored counter next to the definition of unread, counted in SQL. */
async function counters(chatIds: number[]): Promise<CounterRow[]> {
  const rows = await h.database.db.$queryRaw<
    { id: bigint; user_id: bigint; stored: number | bigint; exact: bigint }[]
  >`
    SELECT p.id, p.user_id, p.unread_count AS stored,
      (SELECT COUNT(*) FROM messages m
        WHERE m.chat_id = p.chat_id AND m.seq > p.last_read_seq
          AND m.sender_id <> p.user_id AND m.deleted_at IS NULL) AS exact
    FROM participants p WHERE p.chat_id IN (${Prisma.join(chatIds)}) ORDER BY p.id`;
  return rows.map((r) => ({
    id: Number(r.id),
    userId: Number(r.user_id),
    stored: Number(r.stored),
    exact: Number(r.exact),
  }));
}

async function setCounter(participantId: number, value: number): Promise<void> {
  await h.database.db.$executeRaw`
    UPDATE participants SET unread_count = ${value} WHERE id = ${participantId}`;
}

function expectExact(rows: CounterRow[]): void {
  expect(rows.map((r) => ({ userId: r.userId, unread: r.stored }))).toEqual(
    rows.map((r) => ({ userId: r.userId, unread: r.exact })),
  );
}

/** A group of `members` users (the first is the owner) where everyone has some unread. */
async function busyChat(members: { id: number }[]): Promise<number> {
  const [owner, ...others] = members;
  const { chat } = await createChat(
    h.ctx,
    { userId: owner!.id },
    {
      type: 'group',
      participant_ids: others.map((u) => u.id),
    },
  );
  for (const [i, member] of members.entries()) {
    for (let n = 0; n <= i; n++) {
      await sendMessage(h.ctx, { userId: member.id }, { chatId: chat.id, content: `m${i}.${n}` });
    }
  }
  return chat.id;
}

describe('unread recomputation', () => {
  it('converges to exact counts after 200 random operations, corrupted counters and a reconcile', async () => {
    h = await createWorkerHarness('converge');
    await h.start();
    const seed = Date.now();
    const rnd = seededRandom(seed);
    const users = await createUsers(h.database.db, 7, 'Converger');
    const { chat } = await createChat(
      h.ctx,
      { userId: users[0]!.id },
      {
        type: 'group',
        participant_ids: users.slice(1, 4).map((u) => u.id),
      },
    );
    const chatId = chat.id;

    for (let op = 0; op < 200; op++) {
      const participants = await h.database.db.participant.findMany({ where: { chatId } });
      const owner = participants.find((p) => p.role === 'owner')!;
      const members = participants.filter((p) => p.role !== 'owner');
      const member = rnd.pick(participants);
      const roll = rnd.next();
      if (op % 40 === 39) {
        await setCounter(Number(member.id), rnd.int(50)); // drift the fast path mid-run
      } else if (roll < 0.4) {
        await sendMessage(h.ctx, { userId: Number(member.userId) }, { chatId, content: `op${op}` });
      } else if (roll < 0.65) {
        const { lastSeq } = await h.database.db.chat.findUniqueOrThrow({ where: { id: chatId } });
        const seq = rnd.int(Number(lastSeq) + 1);
        await markChatRead(h.ctx, { userId: Number(member.userId) }, chatId, seq);
      } else if (roll < 0.8) {
        const alive = await h.database.db.message.findMany({
          where: { chatId, deletedAt: null },
          select: { id: true },
        });
        if (alive.length > 0) {
          await deleteMessage(h.ctx, { userId: Number(owner.userId) }, Number(rnd.pick(alive).id));
        }
      } else if (roll < 0.9) {
        const present = new Set(participants.map((p) => Number(p.userId)));
        const outside = users.filter((u) => !present.has(u.id));
        if (outside.length > 0) {
          await addParticipants(h.ctx, { userId: Number(owner.userId) }, chatId, {
            user_ids: [rnd.pick(outside).id],
          });
        }
      } else if (members.length > 1) {
        const leaver = Number(rnd.pick(members).userId);
        const actor = rnd.next() < 0.5 ? leaver : Number(owner.userId);
        await removeParticipant(h.ctx, { userId: actor }, chatId, leaver);
      }
    }
    await waitForDrained(h.queues);

    // Counters the recompute jobs cannot know about: only the reconcile finds these.
    const before = await counters([chatId]);
    const corrupted = before.slice(0, 3).map((r) => ({ ...r, stored: r.exact + 7 }));
    for (const row of corrupted) await setCounter(row.id, row.stored);
    h.publisher.clear();
    const job = await h.queues.unread.add('reconcileUnread', {});
    const done = await waitForJob(h.queues.unread, job.id!);
    await waitForDrained(h.queues);

    expect(done.failedReason, `seed ${seed}`).toBeUndefined();
    expectExact(await counters([chatId]));
    expect((done.returnvalue as { corrected: number }).corrected).toBeGreaterThanOrEqual(
      corrupted.length,
    );
    for (const row of corrupted) {
      const pushes = h.publisher
        .of('unread_count')
        .filter((e) => e.audience.userIds?.includes(row.userId));
      expect(pushes.at(-1)?.payload.chats, `seed ${seed}`).toContainEqual({
        chat_id: chatId,
        unread: row.exact,
        mentions: 0,
        muted: false,
      });
    }
  });

  it('runs the work queued while no worker was up once one starts', async () => {
    h = await createWorkerHarness('backlog');
    const users = await createUsers(h.database.db, 4, 'Backlog');
    const chatIds = [await busyChat(users), await busyChat(users.slice(1)), await busyChat(users)];
    const rows = await counters(chatIds);
    for (const row of rows) await setCounter(row.id, row.exact + 3);
    h.jobs.recomputeUnread(chatIds[0]!);
    h.jobs.recomputeUnread(chatIds[1]!);
    h.jobs.recomputeUnread(chatIds[2]!, [users[0]!.id, users[2]!.id]);
    h.jobs.recomputeUnread(chatIds[2]!, [users[1]!.id, users[3]!.id]);
    await waitFor('the backlog to be queued', async () => {
      const queued = await h.queues.unread.getJobs(['waiting', 'delayed']);
      return queued.filter((job) => job.name === 'recomputeUnread').length === 4;
    });
    expect(await h.queues.unread.getJobCountByTypes('completed', 'active')).toBe(0);

    await h.start();
    await waitForDrained(h.queues);

    expect(await h.queues.unread.getJobCounts('completed', 'failed')).toEqual({
      completed: 4,
      failed: 0,
    });
    expectExact(await counters(chatIds));
  });

  it('is harmless to run twice: the same counts, one push per corrected counter', async () => {
    h = await createWorkerHarness('twice');
    await h.start();
    const users = await createUsers(h.database.db, 3, 'Twice');
    const chatId = await busyChat(users);
    const [first, second] = (await counters([chatId])).sort((a, b) => a.userId - b.userId);
    await setCounter(first!.id, first!.exact + 5);
    await setCounter(second!.id, second!.exact + 9);
    await waitForDrained(h.queues);
    h.publisher.clear();

    const runs: UnreadCorrection[][] = [];
    for (let i = 0; i < 2; i++) {
      const job = await h.queues.unread.add('recomputeUnread', { chat_id: chatId });
      const done = await waitForJob(h.queues.unread, job.id!);
      expect(done.failedReason).toBeUndefined();
      runs.push(done.returnvalue as UnreadCorrection[]);
      expectExact(await counters([chatId]));
    }

    expect(runs).toEqual([
      [
        { chatId, userId: first!.userId, from: first!.exact + 5, to: first!.exact },
        { chatId, userId: second!.userId, from: second!.exact + 9, to: second!.exact },
      ],
      [],
    ]);
    await waitForDrained(h.queues);
    const pushes = h.publisher.of('unread_count');
    expect(pushes.flatMap((e) => e.audience.userIds ?? []).sort((a, b) => a - b)).toEqual([
      first!.userId,
      second!.userId,
    ]);
  });
});
