import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnreadCounts } from '@kelisim/contracts';
import { bullConnection, bullPrefix } from '@kelisim/jobs';
import { silentLogger } from '@kelisim/logger';
import { createLocalStorage } from '@kelisim/storage';
import {
  connectClient,
  createUsers,
  seededRandom,
  sleep,
  tokenFor,
  type ChatClient,
} from '@kelisim/testing';
import { createProcessors, startWorkers, type Workers } from '@kelisim/worker';
import { startCluster, type TestCluster } from './cluster.js';

// Two gateway nodes, the REST API and a worker, all queueing into the same BullMQ queues.
let cluster: TestCluster;
let workers: Workers;
let storageRoot: string;
const sockets: ChatClient[] = [];

beforeAll(async () => {
  cluster = await startCluster(
    'unread_pushes',
    2,
    { CHAT_SEND_RATE_LIMIT: '100000' },
    { jobs: 'bullmq' },
  );
  storageRoot = await mkdtemp(path.join(tmpdir(), 'kelisim-unread-pushes-'));
  const logger = silentLogger();
  workers = await startWorkers({
    connection: bullConnection(cluster.redisConfig),
    prefix: bullPrefix(cluster.redisConfig),
    queues: cluster.jobQueues!.queues,
    processors: createProcessors({
      ctx: cluster.domain,
      storage: createLocalStorage(storageRoot),
      logger,
    }),
    logger,
    concurrency: 4,
    reconcileIntervalMs: 0,
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await workers.close();
  await cluster.close();
  await rm(storageRoot, { recursive: true, force: true });
});

const api = () => supertest(cluster.apiUrl);
const auth = (user: { id: number }) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

/** Every user's `unread_count` as the stored counters answer it, and as the SQL definition counts. */
async function truth(userId: number): Promise<{ stored: UnreadCounts; exact: UnreadCounts }> {
  const res = await api()
    .get('/api/unread-count')
    .set(auth({ id: userId }));
  expect(res.status).toBe(200);
  const rows = await cluster.database.db.$queryRaw<{ chat_id: bigint; exact: bigint }[]>`
    SELECT p.chat_id,
      (SELECT COUNT(*) FROM messages m
        WHERE m.chat_id = p.chat_id AND m.seq > p.last_read_seq
          AND m.sender_id <> p.user_id AND m.deleted_at IS NULL) AS exact
    FROM participants p WHERE p.user_id = ${userId} ORDER BY p.chat_id`;
  const chats = rows.map((r) => ({
    chat_id: Number(r.chat_id),
    unread: Number(r.exact),
    mentions: 0,
    muted: false,
  }));
  return {
    stored: res.body.data as UnreadCounts,
    exact: { total: chats.reduce((sum, c) => sum + c.unread, 0), mentions: 0, chats },
  };
}

describe('unread_count pushes over two nodes', () => {
  it('leave every socket of every user with its stored counters after a random mix of changes', async () => {
    const seed = Date.now();
    const rnd = seededRandom(seed);
    const db = cluster.database.db;
    const users = await createUsers(db, 6, 'Badge');
    const byId = new Map(users.map((u) => [u.id, u]));

    const last = new Map<string, UnreadCounts>();
    let lastPushAt = Date.now();
    const nodeSockets = new Map<number, ChatClient[]>();
    for (const user of users) {
      const pair: ChatClient[] = [];
      for (const node of [0, 1]) {
        const socket = await connectClient(cluster.gateways[node]!.url, user.id);
        socket.on('unread_count', (counts) => {
          last.set(`${user.id}@${node}`, counts);
          lastPushAt = Date.now();
        });
        sockets.push(socket);
        pair.push(socket);
      }
      nodeSockets.set(user.id, pair);
    }
    const socketOf = (userId: number) => rnd.pick(nodeSockets.get(userId)!);

    const chatIds: number[] = [];
    for (let c = 0; c < 3; c++) {
      const [owner, ...members] = [users[c]!, users[(c + 1) % 6]!, users[(c + 3) % 6]!];
      const res = await api()
        .post('/api/chats')
        .set(auth(owner))
        .send({ type: 'group', participant_ids: members.map((m) => m.id) });
      expect(res.status).toBe(201);
      chatIds.push(res.body.data.id as number);
    }

    const log: string[] = [];
    for (let op = 0; op < 150; op++) {
      const chatId = rnd.pick(chatIds);
      const participants = await db.participant.findMany({ where: { chatId } });
      const owner = participants.find((p) => p.role === 'owner')!;
      const someone = byId.get(Number(rnd.pick(participants).userId))!;
      const roll = rnd.next();
      if (op === 100) {
        // Counters changed behind the fast path's back: only the recompute finds and pushes them.
        for (const p of participants.slice(0, 2)) {
          await db.participant.update({ where: { id: p.id }, data: { unreadCount: 40 + op } });
        }
        cluster.jobQueues!.recomputeUnread(chatId);
        log.push(`${op} corrupt+recompute chat ${chatId}`);
      } else if (roll < 0.45) {
        if (rnd.next() < 0.6) {
          const ack = await socketOf(someone.id).emitWithAck('send_message', {
            chat_id: chatId,
            content: `op ${op}`,
            temp_id: `op-${op}`,
          });
          expect(ack.ok, `seed ${seed}`).toBe(true);
        } else {
          const res = await api()
            .post(`/api/chats/${chatId}/messages`)
            .set(auth(someone))
            .send({ content: `op ${op}` });
          expect(res.status, `seed ${seed}`).toBe(201);
        }
        log.push(`${op} send ${someone.id} → ${chatId}`);
      } else if (roll < 0.7) {
        const { lastSeq } = await db.chat.findUniqueOrThrow({ where: { id: chatId } });
        const seq = rnd.int(Number(lastSeq) + 1);
        const how = rnd.int(3);
        if (how === 0) {
          const ack = await socketOf(someone.id).emitWithAck('mark_read', {
            chat_id: chatId,
            seq,
          });
          expect(ack.ok, `seed ${seed}`).toBe(true);
        } else if (how === 1) {
          const res = await api()
            .put(`/api/chats/${chatId}/read`)
            .set(auth(someone))
            .send(seq > 0 ? { seq } : {});
          expect(res.status, `seed ${seed}`).toBe(200);
        } else {
          const message = await db.message.findFirst({ where: { chatId, seq } });
          if (message) {
            const res = await api()
              .put(`/api/messages/${message.id}/status`)
              .set(auth(someone))
              .send({ status: 'read' });
            expect(res.status, `seed ${seed}`).toBe(200);
          }
        }
        log.push(`${op} read ${someone.id} ${chatId}@${seq} via ${how}`);
      } else if (roll < 0.82) {
        const alive = await db.message.findMany({
          where: { chatId, deletedAt: null },
          select: { id: true },
        });
        if (alive.length > 0) {
          const { id } = rnd.pick(alive);
          const res = await api()
            .delete(`/api/messages/${id}`)
            .set(auth({ id: Number(owner.userId) }));
          expect(res.status, `seed ${seed}`).toBe(200);
          log.push(`${op} delete ${id} in ${chatId}`);
        }
      } else if (roll < 0.92) {
        const present = new Set(participants.map((p) => Number(p.userId)));
        const outside = users.filter((u) => !present.has(u.id));
        if (outside.length > 0) {
          const newcomer = rnd.pick(outside);
          const res = await api()
            .post(`/api/chats/${chatId}/participants`)
            .set(auth({ id: Number(owner.userId) }))
            .send({ user_ids: [newcomer.id] });
          expect(res.status, `seed ${seed}`).toBe(200);
          log.push(`${op} add ${newcomer.id} to ${chatId}`);
        }
      } else {
        const members = participants.filter((p) => p.role !== 'owner');
        if (members.length > 1) {
          const leaver = Number(rnd.pick(members).userId);
          const actor = rnd.next() < 0.5 ? leaver : Number(owner.userId);
          const res = await api()
            .delete(`/api/chats/${chatId}/participants/${leaver}`)
            .set(auth({ id: actor }));
          expect(res.status, `seed ${seed}`).toBe(204);
          log.push(`${op} remove ${leaver} from ${chatId} by ${actor}`);
        }
      }
    }

    // Settled: nothing left to run, then no push for 1.5 s (bounded: a minute at most).
    const unread = cluster.jobQueues!.queues.unread;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const pending = await unread.getJobCountByTypes('waiting', 'active', 'delayed');
      if (pending === 0 && Date.now() - lastPushAt >= 1_500) break;
      await sleep(100);
    }

    const report = { seed, failed: await unread.getJobCountByTypes('failed') };
    for (const user of users) {
      const { stored, exact } = await truth(user.id);
      expect(stored, JSON.stringify({ ...report, user: user.id, log })).toEqual(exact);
      for (const node of [0, 1]) {
        expect(
          last.get(`${user.id}@${node}`),
          JSON.stringify({ ...report, user: user.id, node }),
        ).toEqual(stored);
      }
    }
  }, 180_000);
});
