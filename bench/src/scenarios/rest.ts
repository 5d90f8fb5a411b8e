import autocannon from 'autocannon';
import mariadb from 'mariadb';
import { round, summarize, type LatencySummary } from '../report.js';
import type { BenchNode, SeededData, SystemUnderTest } from '../system.js';
import { measureFreshSystem, ratio, settingsFromEnv, totalCpuSeconds } from './common.js';
import { poolOptions } from './db-insert.js';
import type { ScenarioOptions } from './scenario.js';

/**
 * REST at fixed concurrency with autocannon, the connections split over both nodes:
 * `GET /health/live` (the express floor), `GET /api/chats/:id/messages?before=<seq>&limit=50`
 * on a chat pre-filled with history, and `POST /api/chats/:id/messages` with unique temp_ids
 * over many chats.
 *
 * Parameters (environment): BENCH_REST_CONNECTIONS (32), BENCH_DURATION_S (per phase, 10),
 * BENCH_REST_HISTORY (messages in the paged chat, 10 000).
 */
export async function run(options: ScenarioOptions): Promise<void> {
  await runRest(options);
}

/** Runs the scenario once, prints its JSON line and returns what it printed. */
export async function runRest(options: ScenarioOptions) {
  const settings: Settings = options.smoke
    ? { connections: 4, durationS: 1, warmupS: 0, history: 200, users: 40, chatSize: 10 }
    : {
        ...settingsFromEnv({
          connections: ['BENCH_REST_CONNECTIONS', 32],
          durationS: ['BENCH_DURATION_S', 10],
          history: ['BENCH_REST_HISTORY', 10_000],
        }),
        warmupS: 2,
        users: 1_000,
        chatSize: 10,
      };
  return measureFreshSystem('rest', { label: 'rest', nodes: 2 }, (system) =>
    measure(system, settings),
  );
}

interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  history: number;
  users: number;
  chatSize: number;
}

async function measure(system: SystemUnderTest, settings: Settings) {
  const seeded = await system.seed({ users: settings.users, chatSize: settings.chatSize });
  const historyChat = seeded.chats[0]!;
  await prefill(system, historyChat, settings.history);
  const reader = system.tokenFor(historyChat.memberIds[1]!);

  const phase = async (request: (n: number) => autocannon.Request) => {
    if (settings.warmupS > 0)
      await load(system.nodes, settings.connections, settings.warmupS, request);
    return load(system.nodes, settings.connections, settings.durationS, request);
  };

  const health = await phase(() => ({ method: 'GET', path: '/health/live' }));
  const pages = Math.max(1, settings.history - 50);
  const getBefore = await phase((n) => ({
    method: 'GET',
    path: `/api/chats/${historyChat.id}/messages?before=${51 + ((n * 7919) % pages)}&limit=50`,
    headers: { authorization: `Bearer ${reader}` },
  }));
  const posters = postersOf(system, seeded);
  const postsBefore = await countMessages(system);
  let posted = 0; // unique temp_ids across the warm-up and the measured run
  const post = await phase((n) => {
    const tempId = `rest-${posted++}`;
    const poster = posters[n % posters.length]!;
    return {
      method: 'POST',
      path: `/api/chats/${poster.chatId}/messages`,
      headers: { authorization: poster.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ content: `REST bench message ${tempId}`, temp_id: tempId }),
    };
  });
  const stored = (await countMessages(system)) - postsBefore;

  return {
    nodes: system.nodes.length,
    connections: settings.connections,
    duration_s: settings.durationS,
    history: settings.history,
    post_chats: posters.length,
    health_live: health,
    get_before: getBefore,
    post_messages: { ...post, stored },
    get_vs_health: ratio(getBefore.per_s, health.per_s),
    post_vs_health: ratio(post.per_s, health.per_s),
  };
}

/** Posting rotates over every seeded chat, as one of its members. */
function postersOf(system: SystemUnderTest, seeded: SeededData) {
  return seeded.chats.map((chat, index) => {
    const userId = chat.memberIds[index % chat.memberIds.length]!;
    return { chatId: chat.id, authorization: `Bearer ${system.tokenFor(userId)}` };
  });
}

/** `count` messages in one chat, written in bulk with gap-free seqs 1..count. */
async function prefill(
  system: SystemUnderTest,
  chat: { id: number; memberIds: number[] },
  count: number,
) {
  const conn = await mariadb.createConnection(poolOptions(system.database));
  try {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const batch = 1_000;
    for (let start = 1; start <= count; start += batch) {
      const rows = [];
      for (let seq = start; seq < Math.min(count + 1, start + batch); seq++) {
        const sender = chat.memberIds[seq % chat.memberIds.length]!;
        rows.push([chat.id, seq, sender, `History message ${seq}`, at, at]);
      }
      await conn.batch(
        "INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at, updated_at) VALUES (?, ?, ?, 'text', ?, ?, ?)",
        rows,
      );
    }
    await conn.query('UPDATE chats SET last_seq = ? WHERE id = ?', [count, chat.id]);
  } finally {
    await conn.end();
  }
}

async function countMessages(system: SystemUnderTest): Promise<number> {
  return system.db.message.count();
}

export interface LoadResult {
  per_s: number;
  requests: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
  latency_ms: LatencySummary;
  status_codes: Record<string, number>;
  node_cpu_ms_per_req: number;
}

/**
 * One autocannon instance per node, `connections` split between them, for `durationS`; the
 * latencies of every response (2xx or not) from both, merged into one set of percentiles.
 */
export async function load(
  nodes: BenchNode[],
  connections: number,
  durationS: number,
  request: (n: number) => autocannon.Request,
): Promise<LoadResult> {
  let counter = 0;
  const samples: number[] = [];
  const cpuBefore = await totalCpuSeconds(nodes);
  const statusCodes: Record<string, number> = {};
  const results = await Promise.all(
    nodes.map(
      (node, index) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          const share =
            Math.floor(connections / nodes.length) + (index < connections % nodes.length ? 1 : 0);
          const instance = autocannon(
            {
              url: node.url,
              connections: Math.max(1, share),
              duration: durationS,
              timeout: 30,
              requests: [{ setupRequest: (base) => ({ ...base, ...request(counter++) }) }],
            },
            (error: unknown, result) => (error ? reject(toError(error)) : resolve(result)),
          );
          instance.on('response', (_client, statusCode, _bytes, responseTime) => {
            samples.push(responseTime);
            statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
          });
        }),
    ),
  );
  const cpuMs = ((await totalCpuSeconds(nodes)) - cpuBefore) * 1000;
  const duration = Math.max(...results.map((result) => result.duration));
  const sum = (pick: (result: autocannon.Result) => number) =>
    results.reduce((total, result) => total + pick(result), 0);
  return {
    per_s: round(samples.length / duration, 1),
    requests: samples.length,
    non_2xx: sum((result) => result.non2xx),
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    latency_ms: summarize(samples),
    status_codes: statusCodes,
    /** Both nodes' CPU per answered request. */
    node_cpu_ms_per_req: round(cpuMs / Math.max(1, samples.length), 3),
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
