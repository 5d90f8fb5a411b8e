import { performance } from 'node:perf_hooks';
import mariadb, {
  type Pool,
  type PoolConfig,
  type PoolConnection,
  type UpsertResult,
} from 'mariadb';
import type { DatabaseConfig } from '@kelisim/config';
import { connectionOptions } from '@kelisim/db';
import { connectClient, type ChatClient } from '@kelisim/testing';
import type { AckOf } from '../client/protocol.js';
import { round, summarize, type LatencySummary } from '../report.js';
import type { BenchNode, SystemUnderTest } from '../system.js';
import { measureFreshSystem, ratio, settingsFromEnv, totalCpuSeconds } from './common.js';
import type { ScenarioOptions } from './scenario.js';

/**
 * The denominator of "sustained send rate ≥ 50 % of the raw MariaDB insert rate of the same
 * rows": the rows our send path writes, written by the bare `mariadb` driver in the same
 * transaction shape, at the same concurrency as our senders; then our own sustained send rate
 * (closed loops of socket `send_message` and of REST `POST .../messages`) against two nodes.
 *
 * Parameters (environment): BENCH_SENDERS (32), BENCH_DURATION_S (per phase, 10),
 * BENCH_CHAT_USERS (1 000), BENCH_CHAT_SIZE (10): the chat scenario's users and chats.
 */
export async function run(options: ScenarioOptions): Promise<void> {
  await runDbInsert(options);
}

/** Runs the scenario once, prints its JSON line and returns what it printed. */
export async function runDbInsert(options: ScenarioOptions) {
  const settings: Settings = options.smoke
    ? { senders: 4, durationS: 1.5, warmupMs: 0, users: 40, chatSize: 10 }
    : {
        ...settingsFromEnv({
          senders: ['BENCH_SENDERS', 32],
          durationS: ['BENCH_DURATION_S', 10],
          users: ['BENCH_CHAT_USERS', 1_000],
          chatSize: ['BENCH_CHAT_SIZE', 10],
        }),
        warmupMs: 2_000,
      };
  return measureFreshSystem('db-insert', { label: 'db_insert', nodes: 2 }, (system) =>
    measure(system, settings),
  );
}

interface Settings {
  senders: number;
  /** Each measured loop's length. */
  durationS: number;
  /** Before each measured loop, the same loop unmeasured (JIT, pools, caches). */
  warmupMs: number;
  users: number;
  chatSize: number;
}

/** Who sends where: sender k posts as a member of chat k mod C (its own chat while k < C). */
interface Sender {
  chatId: number;
  userId: number;
}

async function measure(system: SystemUnderTest, settings: Settings) {
  const { chats } = await system.seed({ users: settings.users, chatSize: settings.chatSize });
  if (chats.length === 0) throw new Error('no chats seeded: BENCH_CHAT_USERS < BENCH_CHAT_SIZE');
  const senders: Sender[] = Array.from({ length: settings.senders }, (_, k) => {
    const chat = chats[k % chats.length]!;
    return {
      chatId: chat.id,
      userId: chat.memberIds[Math.floor(k / chats.length) % chat.memberIds.length]!,
    };
  });
  const pool = mariadb.createPool({
    ...poolOptions(system.database),
    connectionLimit: settings.senders,
  });
  let warmupAcks = 0;
  let warmupFailed = 0;
  /** A warm-up loop, then the measured one; `id` is unique per operation (temp_id, client_id). */
  const phase = async (
    name: string,
    operation: (k: number, id: string) => Promise<void>,
    inSeededChats = true,
  ) => {
    if (settings.warmupMs > 0) {
      const warm = await closedLoop(settings.senders, settings.warmupMs, (k, i) =>
        operation(k, `${name}-w${k}-${i}`),
      );
      if (inSeededChats) warmupAcks += warm.ok;
      warmupFailed += warm.failed;
    }
    const cpuBefore = await totalCpuSeconds(system.nodes);
    const loop = await closedLoop(settings.senders, settings.durationS * 1000, (k, i) =>
      operation(k, `${name}-${k}-${i}`),
    );
    const cpuMs = ((await totalCpuSeconds(system.nodes)) - cpuBefore) * 1000;
    // The nodes' CPU per operation (both nodes; idle background during the raw phases).
    return {
      ...loop,
      report: () => ({
        ...loop.report(),
        node_cpu_ms_per_op: round(cpuMs / Math.max(1, loop.ok), 3),
      }),
    };
  };
  const clients = await connectSenders(system, senders);
  try {
    const rawTx = await phase('raw', (k, id) => rawSendTransaction(pool, senders[k]!, id));
    const rawAsOurs = await phase('ours', (k, id) => rawAsOurStatements(pool, senders[k]!, id));
    const plainChats = await createPlainChats(pool, senders);
    const plainSeqs = senders.map(() => 0);
    const plainInsert = await phase(
      'plain',
      (k) => plainInsertRow(pool, plainChats[k]!, senders[k]!.userId, ++plainSeqs[k]!),
      false,
    );
    const socket = await phase('socket', (k, id) => socketSend(clients[k]!, senders[k]!, id));
    const tokens = senders.map((sender) => system.tokenFor(sender.userId));
    const rest = await phase('rest', (k, id) =>
      restSend(system.nodes[k % system.nodes.length]!, tokens[k]!, senders[k]!, id),
    );
    const integrity = await checkIntegrity(
      pool,
      chats.map((chat) => chat.id),
      rawTx.ok + rawAsOurs.ok + socket.ok + rest.ok + warmupAcks,
    );
    return {
      nodes: system.nodes.length,
      concurrency: settings.senders,
      users: settings.users,
      chats: chats.length,
      chat_size: settings.chatSize,
      duration_s: settings.durationS,
      node_db_pool: Number(system.env.DB_POOL_SIZE ?? 10),
      raw_tx: rawTx.report(),
      raw_as_ours: rawAsOurs.report(),
      plain_insert: plainInsert.report(),
      socket: socket.report(),
      rest: rest.report(),
      socket_vs_raw: ratio(socket.rate, rawTx.rate),
      rest_vs_raw: ratio(rest.rate, rawTx.rate),
      integrity: { ...integrity, warmup_failed: warmupFailed },
    };
  } finally {
    for (const client of clients) client.close();
    await pool.end();
  }
}

export function poolOptions(database: DatabaseConfig): PoolConfig {
  return {
    ...connectionOptions(database),
    timezone: 'Z',
    charset: 'utf8mb4',
    insertIdAsNumber: true,
    bigIntAsNumber: true,
  };
}

const content = 'Benchmark message: the quick brown fox jumps over the lazy dog 🦊';

/** Now, truncated to whole seconds as the TIMESTAMP(0) columns store it (as the domain does). */
const nowSeconds = () => new Date(Math.floor(Date.now() / 1000) * 1000);

/** Runs `work` on one pooled connection; a transaction it left open is rolled back on failure. */
async function onConnection(
  pool: Pool,
  work: (conn: PoolConnection) => Promise<void>,
): Promise<void> {
  const conn = await pool.getConnection();
  try {
    await work(conn);
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  } finally {
    await conn.release();
  }
}

/**
 * The same rows as `appendMessage` in the fewest statements: the chat row's lock hands out the
 * next seq, the message row, every other participant's unread counter, one commit.
 */
async function rawSendTransaction(pool: Pool, sender: Sender, clientId: string) {
  await onConnection(pool, async (conn) => {
    const at = nowSeconds();
    await conn.beginTransaction();
    await conn.query(
      'UPDATE chats SET last_seq = last_seq + 1, last_activity_at = ?, updated_at = ? WHERE id = ?',
      [at, at, sender.chatId],
    );
    const [chat] = await conn.query<{ last_seq: number }[]>(
      'SELECT last_seq FROM chats WHERE id = ?',
      [sender.chatId],
    );
    await conn.query(
      'INSERT INTO messages (chat_id, seq, sender_id, type, content, client_id, created_at, updated_at) ' +
        "VALUES (?, ?, ?, 'text', ?, ?, ?, ?)",
      [sender.chatId, chat!.last_seq, sender.userId, content, clientId, at, at],
    );
    await conn.query(
      'UPDATE participants SET unread_count = unread_count + 1 WHERE chat_id = ? AND user_id <> ?',
      [sender.chatId, sender.userId],
    );
    await conn.commit();
  });
}

/**
 * Every statement our send path issues through Prisma (traced with Prisma's query log), issued
 * raw: the membership check and its chat, the temp_id lookup, then inside the transaction the
 * chat existence check, the seq increment and read-back, the insert, the message read-back with
 * its sender and file, and the unread counters. Separates "more round trips" from "the framework".
 */
async function rawAsOurStatements(pool: Pool, sender: Sender, clientId: string) {
  await onConnection(pool, async (conn) => {
    const at = nowSeconds();
    await conn.query(
      'SELECT p.* FROM participants p LEFT JOIN chats j0 ON j0.id = p.chat_id ' +
        'WHERE p.chat_id = ? AND p.user_id = ? AND j0.deleted_at IS NULL AND j0.id IS NOT NULL LIMIT 1',
      [sender.chatId, sender.userId],
    );
    await conn.query('SELECT * FROM chats WHERE id IN (?)', [sender.chatId]);
    await conn.query(
      'SELECT * FROM messages WHERE chat_id = ? AND sender_id = ? AND client_id = ? LIMIT 1',
      [sender.chatId, sender.userId, clientId],
    );
    await conn.beginTransaction();
    await conn.query('SELECT id FROM chats WHERE id = ? LIMIT 1', [sender.chatId]);
    await conn.query(
      'UPDATE chats SET last_seq = last_seq + 1, last_activity_at = ?, updated_at = ? WHERE id IN (?) AND id = ?',
      [at, at, sender.chatId, sender.chatId],
    );
    const [chat] = await conn.query<{ last_seq: number }[]>(
      'SELECT id, last_seq FROM chats WHERE id = ? LIMIT 1',
      [sender.chatId],
    );
    const inserted = await conn.query<UpsertResult>(
      'INSERT INTO messages (chat_id, seq, sender_id, type, content, client_id, reply_to_id, file_id, created_at, updated_at) ' +
        "VALUES (?, ?, ?, 'text', ?, ?, NULL, NULL, ?, ?)",
      [sender.chatId, chat!.last_seq, sender.userId, content, clientId, at, at],
    );
    await conn.query('SELECT * FROM messages WHERE id = ? LIMIT 1', [inserted.insertId]);
    await conn.query('SELECT id, name FROM users WHERE id = ?', [sender.userId]);
    await conn.query('SELECT * FROM chat_files WHERE id = ?', [null]);
    await conn.query(
      'UPDATE participants SET unread_count = unread_count + 1 WHERE chat_id = ? AND user_id <> ?',
      [sender.chatId, sender.userId],
    );
    await conn.commit();
  });
}

/** One chat per sender for the plain inserts, so their seqs never meet the real chats'. */
async function createPlainChats(pool: Pool, senders: Sender[]): Promise<number[]> {
  const ids: number[] = [];
  for (const sender of senders) {
    const result = await pool.query<UpsertResult>(
      "INSERT INTO chats (type, name, created_by) VALUES ('group', 'plain insert', ?)",
      [sender.userId],
    );
    ids.push(Number(result.insertId));
  }
  return ids;
}

/** For context: the message row alone, autocommitted, seq taken from a local counter. */
async function plainInsertRow(pool: Pool, chatId: number, senderId: number, seq: number) {
  const at = nowSeconds();
  await pool.query(
    'INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at, updated_at) ' +
      "VALUES (?, ?, ?, 'text', ?, ?, ?)",
    [chatId, seq, senderId, content, at, at],
  );
}

/** One real socket.io client per sender, alternating over the nodes. */
async function connectSenders(system: SystemUnderTest, senders: Sender[]): Promise<ChatClient[]> {
  const clients: ChatClient[] = [];
  try {
    for (const [k, sender] of senders.entries()) {
      const node = system.nodes[k % system.nodes.length]!;
      clients.push(
        await connectClient(node.url, sender.userId, { token: system.tokenFor(sender.userId) }),
      );
    }
    return clients;
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }
}

/** `send_message`, resolved on its ack: the closed loop sends the next one then. */
async function socketSend(client: ChatClient, sender: Sender, tempId: string): Promise<void> {
  const ack = (await client.timeout(30_000).emitWithAck('send_message', {
    chat_id: sender.chatId,
    content,
    temp_id: tempId,
  })) as AckOf<object>;
  if (!ack.ok) throw new Error(`send_message: ${ack.error.code}`);
}

/** The same send over `POST /api/chats/:id/messages`. */
async function restSend(node: BenchNode, token: string, sender: Sender, tempId: string) {
  const response = await fetch(`${node.url}/api/chats/${sender.chatId}/messages`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ content, temp_id: tempId }),
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`POST messages: ${response.status}`);
}

/**
 * Every acknowledged message is stored (rows = acks) and each chat's seqs are exactly
 * 1..last_seq: no loss, no twin, no gap.
 */
async function checkIntegrity(pool: Pool, chatIds: number[], acknowledged: number) {
  const [row] = await pool.query<{ rows: number; gaps: number }[]>(
    'SELECT COALESCE(SUM(n), 0) AS `rows`, COALESCE(SUM(n <> last_seq OR max_seq <> last_seq), 0) AS gaps ' +
      'FROM (SELECT c.id, c.last_seq, COUNT(m.id) AS n, COALESCE(MAX(m.seq), 0) AS max_seq ' +
      'FROM chats c LEFT JOIN messages m ON m.chat_id = c.id WHERE c.id IN (?) GROUP BY c.id) per_chat',
    [chatIds],
  );
  return {
    acknowledged,
    stored: Number(row!.rows),
    chats_with_gaps: Number(row!.gaps),
  };
}

export interface LoopResult {
  ok: number;
  failed: number;
  /** Completed operations per second over the whole loop. */
  rate: number;
  latency: LatencySummary;
  errors: string[];
  report(): {
    per_s: number;
    ok: number;
    failed: number;
    latency_ms: LatencySummary;
    errors?: string[];
  };
}

/**
 * `workers` closed loops, each running `operation` again as soon as the last one finished,
 * until `durationMs` has passed (bounded: no new operation starts after the deadline).
 */
export async function closedLoop(
  workers: number,
  durationMs: number,
  operation: (worker: number, iteration: number) => Promise<void>,
): Promise<LoopResult> {
  const samples: number[] = [];
  const errors = new Map<string, number>();
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        const t0 = performance.now();
        try {
          await operation(worker, iteration);
          samples.push(performance.now() - t0);
          ok++;
        } catch (error) {
          failed++;
          const message = error instanceof Error ? error.message : String(error);
          errors.set(message, (errors.get(message) ?? 0) + 1);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const latency = summarize(samples);
  const errorList = [...errors].slice(0, 5).map(([message, count]) => `${count}× ${message}`);
  const rate = round(ok / elapsedS, 1);
  return {
    ok,
    failed,
    rate,
    latency,
    errors: errorList,
    report: () => ({
      per_s: rate,
      ok,
      failed,
      latency_ms: latency,
      ...(errorList.length > 0 ? { errors: errorList } : {}),
    }),
  };
}
