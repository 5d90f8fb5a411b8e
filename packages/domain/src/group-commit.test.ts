import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import mariadb, { type Connection } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@kelisim/db';
import { QueryLogProxy, type TestUser } from '@kelisim/testing';
import type { AppendedMessage, NewMessage } from './append-message.js';
import { GroupCommit } from './group-commit.js';
import { useDomainHarness } from './test-context.js';
import { createChat } from './use-cases/create-chat.js';

const h = useDomainHarness('group_commit', 4, 'Batcher');
const users = h.users;
/** A second node: its own connection pool and its own group commit over the same database. */
const otherNodeDb = () => createDb(h.database.config);

async function group(members: TestUser[]): Promise<number> {
  const [owner, ...others] = members;
  const { chat } = await createChat(
    h.ctx,
    { userId: owner!.id },
    { type: 'group', name: 'Batch', participant_ids: others.map((u) => u.id) },
  );
  return chat.id;
}

function text(chatId: number, sender: TestUser, content: string, clientId: string | null = null) {
  return {
    chatId,
    sender: { id: sender.id, name: sender.name },
    type: 'text',
    content,
    clientId,
    senderMustTakePart: true,
  } satisfies NewMessage;
}

async function storedSeqs(chatId: number) {
  const rows = await h.database.db.message.findMany({
    where: { chatId },
    select: { id: true, seq: true, content: true },
    orderBy: { seq: 'asc' },
  });
  return rows.map((r) => ({ id: Number(r.id), seq: Number(r.seq), content: r.content }));
}

const settle = (sends: Promise<AppendedMessage>[]) => Promise.allSettled(sends);

describe('GroupCommit', () => {
  it('commits a tick of sends to several chats in one transaction, each chat gap-free', async () => {
    const chats = [await group(users), await group(users.slice(0, 2))];
    const commit = new GroupCommit(h.database.db);
    const sends = Array.from({ length: 40 }, (_, i) =>
      commit.append(text(chats[i % 2]!, users[i % 2]!, `m${i}`)),
    );
    const results = await Promise.all(sends);
    expect(commit.committed).toEqual({ batches: 1, messages: 40 });
    for (const [c, chatId] of chats.entries()) {
      const mine = results.filter((_, i) => i % 2 === c);
      expect(mine.map((r) => Number(r.row.seq))).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect((await storedSeqs(chatId)).map((m) => m.id)).toEqual(
        mine.map((r) => Number(r.row.id)),
      );
      const chat = await h.database.db.chat.findUniqueOrThrow({ where: { id: chatId } });
      expect(chat.lastSeq).toBe(20n);
    }
  });

  it('raises each participant’s unread counter by the batch’s messages they did not send, in one statement', async () => {
    const chats = [await group(users.slice(0, 3)), await group(users)];
    const log = new QueryLogProxy(h.database.config);
    await log.open();
    const db = createDb({ ...h.database.config, port: log.port });
    try {
      const commit = new GroupCommit(db);
      await Promise.all([
        commit.append(text(chats[0]!, users[0]!, 'a')),
        commit.append(text(chats[0]!, users[0]!, 'b')),
        commit.append(text(chats[0]!, users[1]!, 'c')),
        commit.append(text(chats[1]!, users[2]!, 'd')),
        commit.append(text(chats[1]!, users[3]!, 'e')),
      ]);
      expect(commit.committed.batches).toBe(1);
      const unread = async (chatId: number) =>
        (
          await h.database.db.participant.findMany({
            where: { chatId },
            select: { userId: true, unreadCount: true },
            orderBy: { userId: 'asc' },
          })
        ).map((p) => p.unreadCount);
      expect(await unread(chats[0]!)).toEqual([1, 2, 3]);
      expect(await unread(chats[1]!)).toEqual([2, 2, 1, 1]);
      expect(log.queries.filter((q) => /^\s*UPDATE participants/i.test(q))).toHaveLength(1);
    } finally {
      await db.$disconnect();
      await log.close();
    }
  });

  it('keeps one sender’s messages in the order they arrived, across batches', async () => {
    const chatId = await group(users.slice(0, 2));
    const commit = new GroupCommit(h.database.db, { maxWaitMs: 1, maxBatch: 7 });
    const sends: Promise<AppendedMessage>[] = [];
    for (let i = 0; i < 100; i++) {
      sends.push(commit.append(text(chatId, users[0]!, `n${i}`)));
      if (i % 9 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sends);
    expect(commit.committed.batches).toBeGreaterThan(1);
    expect((await storedSeqs(chatId)).map((m) => m.content)).toEqual(
      Array.from({ length: 100 }, (_, i) => `n${i}`),
    );
  });

  it('refuses only the message whose sender does not take part or whose chat is gone', async () => {
    const chatId = await group(users.slice(0, 2));
    const gone = await group(users.slice(0, 2));
    await h.database.db.chat.update({ where: { id: gone }, data: { deletedAt: new Date() } });
    const commit = new GroupCommit(h.database.db);
    const results = await settle([
      commit.append(text(chatId, users[0]!, 'ok 1')),
      commit.append(text(chatId, users[3]!, 'outsider')),
      commit.append(text(gone, users[0]!, 'into a deleted chat')),
      commit.append(text(chatId, users[1]!, 'ok 2')),
    ]);
    expect(commit.committed.batches).toBe(1);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    for (const refused of [results[1], results[2]]) {
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'not_found' });
    }
    expect((await storedSeqs(chatId)).map((m) => [m.seq, m.content])).toEqual([
      [1, 'ok 1'],
      [2, 'ok 2'],
    ]);
  });

  it('fails alone a message the database refuses, committing the rest of its batch', async () => {
    const chatId = await group(users.slice(0, 2));
    const commit = new GroupCommit(h.database.db);
    const results = await settle([
      commit.append(text(chatId, users[0]!, 'before')),
      commit.append({ ...text(chatId, users[0]!, 'reply to nothing'), replyToId: 999_999_999 }),
      commit.append(text(chatId, users[1]!, 'after')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await storedSeqs(chatId)).map((m) => [m.seq, m.content])).toEqual([
      [1, 'before'],
      [2, 'after'],
    ]);
  });

  it('stores a temp_id once when it repeats inside a batch and consumes one seq', async () => {
    const chatId = await group(users.slice(0, 2));
    const commit = new GroupCommit(h.database.db);
    const results = await Promise.all([
      commit.append(text(chatId, users[0]!, 'x', 'same')),
      commit.append(text(chatId, users[0]!, 'x', 'same')),
      commit.append(text(chatId, users[1]!, 'y', 'same')), // another sender's temp_id is its own
      commit.append(text(chatId, users[0]!, 'z')),
    ]);
    expect(results.map((r) => [Number(r.row.seq), r.created])).toEqual([
      [1, true],
      [1, false],
      [2, true],
      [3, true],
    ]);
    expect(results[1]?.row.id).toBe(results[0]?.row.id);
    const again = await commit.append(text(chatId, users[0]!, 'x', 'same'));
    expect([again.row.id, again.created]).toEqual([results[0]?.row.id, false]);
    expect(await storedSeqs(chatId)).toHaveLength(3);
  });

  it('is exactly-once and gap-free with two nodes racing the same temp_ids', async () => {
    const chatId = await group(users);
    const db2 = otherNodeDb();
    try {
      const nodes = [new GroupCommit(h.database.db), new GroupCommit(db2)];
      const sends = nodes.flatMap((node) =>
        Array.from({ length: 120 }, (_, i) =>
          node.append(text(chatId, users[i % 4]!, `t${i}`, i % 3 === 0 ? `dup-${i}` : null)),
        ),
      );
      const results = await Promise.all(sends);
      const stored = await storedSeqs(chatId);
      // 40 temp_ids sent by both nodes are stored once each; the other 160 sends are all new.
      expect(stored).toHaveLength(40 + 160);
      expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
      expect(results.filter((r) => r.created)).toHaveLength(200);
      const byTempId = new Map<string, number>();
      for (const r of results.filter((r) => r.row.clientId !== null)) {
        const id = byTempId.get(r.row.clientId!) ?? Number(r.row.id);
        expect(Number(r.row.id)).toBe(id);
        byTempId.set(r.row.clientId!, id);
      }
      expect(nodes.every((node) => node.committed.batches < 120)).toBe(true);
    } finally {
      await db2.$disconnect();
    }
  });

  describe('when the database connection is killed mid-batch', () => {
    let admin: Connection;
    beforeAll(async () => (admin = await mariadb.createConnection(h.database.config)));
    afterAll(() => admin.end());

    it('tries the batch again: every send is acknowledged once and the chat stays gap-free', async () => {
      const chatId = await group(users.slice(0, 2));
      const db = otherNodeDb();
      const blocker = await mariadb.createConnection(h.database.config);
      try {
        const commit = new GroupCommit(db);
        await commit.append(text(chatId, users[0]!, 'warm-up'));
        // Hold the chat's lock so the batch waits inside its transaction, then kill its connection.
        await blocker.beginTransaction();
        await blocker.query('SELECT id FROM chats WHERE id = ? FOR UPDATE', [chatId]);
        const sends = Array.from({ length: 10 }, (_, i) =>
          commit.append(text(chatId, users[i % 2]!, `k${i}`, i % 2 === 0 ? `kill-${i}` : null)),
        );
        const victim = await waitForLockWaiter(admin, h.database.name);
        await admin.query(`KILL CONNECTION ${victim}`);
        await blocker.rollback();
        const results = await Promise.all(sends);
        expect(results.every((r) => r.created)).toBe(true);
        // Retried as the batch it was (warm-up + one), not split into single messages.
        expect(commit.committed).toEqual({ batches: 2, messages: 11 });
        const stored = await storedSeqs(chatId);
        expect(stored.map((m) => m.content)).toEqual([
          'warm-up',
          ...Array.from({ length: 10 }, (_, i) => `k${i}`),
        ]);
        expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
        expect(results.map((r) => Number(r.row.id))).toEqual(stored.slice(1).map((m) => m.id));
      } finally {
        await blocker.end();
        await db.$disconnect();
      }
    });

    it('after its COMMIT went through, answers with the stored rows and stores none twice', async () => {
      const chatId = await group(users.slice(0, 2));
      const proxy = new CommitCuttingProxy(h.database.config);
      await proxy.open();
      const db = createDb({ ...h.database.config, port: proxy.port });
      try {
        const commit = new GroupCommit(db);
        await commit.append(text(chatId, users[0]!, 'warm-up'));
        proxy.cutAfterNextCommit = true;
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => commit.append(text(chatId, users[i % 2]!, `c${i}`))),
        );
        expect(proxy.cutAfterNextCommit).toBe(false);
        expect(results.every((r) => r.created)).toBe(true);
        const stored = await storedSeqs(chatId);
        expect(stored.map((m) => m.content)).toEqual([
          'warm-up',
          ...Array.from({ length: 6 }, (_, i) => `c${i}`),
        ]);
        expect(results.map((r) => Number(r.row.id))).toEqual(stored.slice(1).map((m) => m.id));
      } finally {
        await db.$disconnect();
        await proxy.close();
      }
    });
  });
});

/**
 * A TCP proxy in front of MariaDB that, once armed, lets the next COMMIT reach the server and
 * then drops the connection before the client hears the answer: the commit's outcome is unknown
 * to the client, though it happened.
 */
class CommitCuttingProxy {
  cutAfterNextCommit = false;
  port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((client) => {
    const upstream = connect(this.target.port, this.target.host);
    let committing = false;
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (this.cutAfterNextCommit && chunk.includes('COMMIT')) {
        this.cutAfterNextCommit = false;
        committing = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (committing) client.destroy();
      else client.write(chunk);
    });
  });

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The connection of `database` that waits for a row lock. */
async function waitForLockWaiter(admin: Connection, database: string): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const rows = await admin.query<{ ID: bigint }[]>(
      `SELECT ID FROM information_schema.PROCESSLIST
       WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE '%last_seq%FOR UPDATE%'`,
      [database],
    );
    if (rows[0]) return Number(rows[0].ID);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no connection waited for the chat lock');
}
