import mariadb, { type Connection } from 'mariadb';
import { median, printResult, progress, round } from '../report.js';
import { startSystem, type SystemUnderTest } from '../system.js';
import { settingsFromEnv } from './common.js';
import { poolOptions } from './db-insert.js';
import type { ScenarioOptions } from './scenario.js';

/**
 * `GET /api/search/messages` at size: BENCH_SEARCH_MESSAGES (1 000 000) messages spread over
 * BENCH_SEARCH_CHATS (1 000) group chats, the searcher in BENCH_SEARCH_MEMBER_OF (50) of them.
 * Texts mix Chinese words and English words; one message in 200 holds `张三`, one in 200
 * `budget`. Each of BENCH_SEARCH_ROUNDS (3) rounds sends BENCH_SEARCH_QUERIES (40) searches per
 * term, one at a time, to one node, and the same first-page query straight to MariaDB (the
 * database's share); the result holds each round's p50/p95 and their medians.
 */
export async function run(options: ScenarioOptions): Promise<void> {
  await runSearch(options);
}

/** Runs the scenario once, prints its JSON line and returns what it printed. */
export async function runSearch(options: ScenarioOptions) {
  const settings = options.smoke
    ? { messages: 20_000, chats: 100, memberOf: 10, queries: 5, rounds: 1 }
    : settingsFromEnv({
        messages: ['BENCH_SEARCH_MESSAGES', 1_000_000],
        chats: ['BENCH_SEARCH_CHATS', 1_000],
        memberOf: ['BENCH_SEARCH_MEMBER_OF', 50],
        queries: ['BENCH_SEARCH_QUERIES', 40],
        rounds: ['BENCH_SEARCH_ROUNDS', 3],
      });
  const system = await startSystem({
    label: 'search',
    nodes: 1,
    env: { CHAT_SEARCH_RATE_LIMIT: '1000000', CHAT_SEARCH_RATE_WINDOW: '1' },
  });
  const sql = await mariadb.createConnection(poolOptions(system.database));
  try {
    const { searcher, myChats, scanned } = await fill(system, sql, settings);
    const token = system.tokenFor(searcher);
    const terms = { zh: '张三', en: 'budget' };
    const rounds: Round[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      progress(`search: round ${round} of ${settings.rounds}`);
      const results: Round = {};
      for (const [name, q] of Object.entries(terms)) {
        results[name] = {
          api: await time(settings.queries, () => searchApi(system, token, q)),
          sql: await time(settings.queries, () => searchSql(sql, myChats, q)),
        };
      }
      rounds.push(results);
    }
    const result = {
      messages: settings.messages,
      chats: settings.chats,
      member_of: settings.memberOf,
      scanned_per_query: scanned,
      queries: settings.queries,
      zh: termSummary(rounds, 'zh'),
      en: termSummary(rounds, 'en'),
    };
    printResult('search', result);
    return result;
  } finally {
    await sql.end();
    await system.stop();
  }
}

type Round = Record<string, { api: Timing; sql: Timing }>;

/** One term over the rounds: medians of each round's percentiles, and each round's p95. */
function termSummary(rounds: Round[], name: string) {
  const of = (pick: (r: { api: Timing; sql: Timing }) => number) =>
    round(median(rounds.map((r) => pick(r[name]!))));
  return {
    hits_first_page: rounds[0]![name]!.api.hits,
    sql_hits_first_page: rounds[0]![name]!.sql.hits,
    p50_ms: of((r) => r.api.p50),
    p95_ms: of((r) => r.api.p95),
    p95_ms_rounds: rounds.map((r) => r[name]!.api.p95),
    sql_p50_ms: of((r) => r.sql.p50),
    sql_p95_ms: of((r) => r.sql.p95),
  };
}

interface Timing {
  p50: number;
  p95: number;
  hits: number;
}

async function time(queries: number, query: () => Promise<number>): Promise<Timing> {
  await query(); // warm the path once
  const samples: number[] = [];
  let hits = 0;
  for (let i = 0; i < queries; i++) {
    const started = performance.now();
    hits = await query();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    round(samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!);
  return { p50: at(0.5), p95: at(0.95), hits };
}

async function searchApi(system: SystemUnderTest, token: string, q: string): Promise<number> {
  const res = await fetch(
    `${system.nodes[0]!.url}/api/search/messages?q=${encodeURIComponent(q)}`,
    {
      headers: { Authorization: `Bearer ${token}` },
    },
  );
  if (!res.ok) throw new Error(`search answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { data: unknown[] };
  return body.data.length;
}

/** The page query of the search use case, as MariaDB alone answers it. */
async function searchSql(sql: Connection, chats: number[], q: string): Promise<number> {
  const rows = await sql.query<unknown[]>(
    `SELECT message_id FROM message_search FORCE INDEX (PRIMARY)
     WHERE chat_id IN (?) AND body LIKE LOWER(?)
     ORDER BY message_id DESC LIMIT 21`,
    [chats, `%${q}%`],
  );
  return Math.min(rows.length, 20);
}

const zhWords =
  '今天 明天 开会 项目 客户 我们 报告 需要 时间 问题 下午 上午 同事 经理 公司 系统 数据 测试 发布 周末'.split(
    ' ',
  );
const enWords =
  'meeting project client report deadline review update today tomorrow release design issue team server deploy test plan sprint notes draft'.split(
    ' ',
  );

/** Deterministic texts: a small PRNG (mulberry32) so every run stores the same history. */
function texts(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (words: string[]) => words[Math.floor(next() * words.length)]!;
  return () => {
    const words = Array.from({ length: 6 + Math.floor(next() * 8) }, () =>
      next() < 0.5 ? pick(zhWords) : pick(enWords),
    );
    const roll = next();
    if (roll < 0.005) words.splice(Math.floor(next() * words.length), 0, '张三');
    else if (roll < 0.01) words.splice(Math.floor(next() * words.length), 0, 'budget');
    return words.join(next() < 0.5 ? '' : ' ');
  };
}

/** Users, chats and messages written with multi-row INSERTs (the API would take hours). */
async function fill(
  system: SystemUnderTest,
  sql: Connection,
  settings: { messages: number; chats: number; memberOf: number },
) {
  const { userIds } = await system.seed({ users: 20, chatSize: 0 });
  const [searcher, ...others] = userIds as [number, ...number[]];
  const perChat = Math.ceil(settings.messages / settings.chats);
  const chatRows = Array.from({ length: settings.chats }, (_, i) => [
    'group',
    `Search ${i + 1}`,
    others[i % others.length]!,
    perChat,
  ]);
  await sql.batch(
    `INSERT INTO chats (type, name, created_by, last_seq, last_activity_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())`,
    chatRows,
  );
  const chatIds = (await sql.query<{ id: number }[]>('SELECT id FROM chats ORDER BY id')).map(
    (row) => row.id,
  );
  const step = Math.floor(chatIds.length / settings.memberOf);
  const myChats = chatIds.filter((_, i) => i % step === 0).slice(0, settings.memberOf);
  const participants = chatIds.flatMap((chatId, i) => [
    [chatId, others[i % others.length]!],
    [chatId, others[(i + 1) % others.length]!],
    ...(myChats.includes(chatId) ? [[chatId, searcher]] : []),
  ]);
  await sql.batch(
    `INSERT INTO participants (chat_id, user_id, role, created_at, updated_at)
     VALUES (?, ?, 'member', UTC_TIMESTAMP(), UTC_TIMESTAMP())`,
    participants,
  );

  const text = texts(42);
  const batch = 5_000;
  const total = perChat * chatIds.length;
  for (let start = 0; start < total; start += batch) {
    const rows = [];
    for (let n = start; n < Math.min(total, start + batch); n++) {
      const chatId = chatIds[n % chatIds.length]!;
      rows.push([chatId, Math.floor(n / chatIds.length) + 1, others[n % others.length]!, text()]);
    }
    await sql.batch(
      `INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at, updated_at)
       VALUES (?, ?, ?, 'text', ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())`,
      rows,
    );
    if ((start / batch) % 20 === 0)
      progress(`search: stored ${start + rows.length} of ${total} messages`);
  }
  // What the send path writes beside each message, as the migration fills it for older ones.
  await sql.query(
    'INSERT INTO message_search (chat_id, message_id, body) SELECT chat_id, id, LOWER(content) FROM messages',
  );
  await sql.query('ANALYZE TABLE messages, message_search');
  return { searcher, myChats, scanned: perChat * myChats.length };
}
