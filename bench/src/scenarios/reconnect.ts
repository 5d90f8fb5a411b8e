import { AgentPool } from '../client/agents.js';
import type { FollowerStats } from '../client/protocol.js';
import { sleep } from '../proc.js';
import { round, summarize } from '../report.js';
import type { BenchNode, SystemUnderTest } from '../system.js';
import { DbMonitor } from './db-monitor.js';
import { measureFreshSystem, settingsFromEnv, waitUntil } from './common.js';
import { topErrors, warnAndErrorLines } from './node-errors.js';
import { RestSender } from './rest-sender.js';
import type { ScenarioOptions } from './scenario.js';

/**
 * Reconnect storm: `clients` real socket.io clients on node 2, each following its chat by seq,
 * while messages keep being sent through node 1 (REST). Node 2 is SIGKILLed and restarted on the
 * same port; once it is ready, every client reconnects at a uniformly random moment within the
 * jitter window (retrying within it on errors) and resumes with `sync {chat_id, after_seq}` until
 * `has_more` is false. Measures the time until every client
 * has resumed, refused connections and errors, failed sends and syncs, and what the database
 * pool did; finally every client must hold every message of its chat (no gap, by seq).
 * The clients live in the agent pool's processes (`client/follower.ts`).
 *
 * Parameters (environment): BENCH_RECONNECT_CLIENTS (2 000), BENCH_RECONNECT_JITTER_MS (5 000),
 * BENCH_RECONNECT_RATE (messages/s sent through node 1 throughout, 50),
 * BENCH_RECONNECT_PROCESSES (client processes, 4).
 */
export async function run(options: ScenarioOptions): Promise<void> {
  await runReconnect(options);
}

/** Runs the scenario once, prints its JSON line and returns what it printed. */
export async function runReconnect(options: ScenarioOptions) {
  const settings: Settings = options.smoke
    ? { clients: 20, chatSize: 10, jitterMs: 1_000, rate: 20, processes: 1, downMs: 500 }
    : {
        ...settingsFromEnv({
          clients: ['BENCH_RECONNECT_CLIENTS', 2_000],
          jitterMs: ['BENCH_RECONNECT_JITTER_MS', 5_000],
          rate: ['BENCH_RECONNECT_RATE', 50],
          processes: ['BENCH_RECONNECT_PROCESSES', 4],
        }),
        chatSize: 10,
        downMs: 1_000,
      };
  return measureFreshSystem('reconnect', { label: 'reconnect', nodes: 2 }, (system) =>
    storm(system, settings),
  );
}

interface Settings {
  clients: number;
  chatSize: number;
  jitterMs: number;
  /** Messages per second sent through node 1 throughout. */
  rate: number;
  /** Agent processes holding the clients. */
  processes: number;
  /** How long node 2 stays dead before it is started again. */
  downMs: number;
}

/** Bounds of the waits: the scenario never hangs, it reports what did not happen in time. */
const CONNECT_TIMEOUT_MS = 180_000;
const RESUME_TIMEOUT_MS = 90_000;
const CONVERGE_TIMEOUT_MS = 30_000;

async function storm(system: SystemUnderTest, settings: Settings) {
  const seeded = await system.seed({ users: settings.clients, chatSize: settings.chatSize });
  const [node1, node2] = system.nodes as [BenchNode, BenchNode];
  const chatOf = new Map<number, number>();
  for (const chat of seeded.chats) for (const userId of chat.memberIds) chatOf.set(userId, chat.id);
  const followers = seeded.userIds
    .filter((userId) => chatOf.has(userId))
    .map((userId) => ({ userId, chatId: chatOf.get(userId)!, token: system.tokenFor(userId) }));

  const monitor = await DbMonitor.start(system);
  const pool = AgentPool.start(settings.processes);
  const sender = new RestSender(node1, system, seeded.chats, settings.rate);
  /** Polls the followers every 250 ms until `done` holds of them; says whether it did in time. */
  const followersUntil = (done: (stats: FollowerStats) => boolean, timeoutMs: number) =>
    waitUntil(async () => done(await pool.followerStats()), timeoutMs, 250);
  try {
    await pool.follow(node2.url, followers, settings.jitterMs);
    await followersUntil((stats) => stats.synced === stats.followers, CONNECT_TIMEOUT_MS);
    sender.start();
    await sleep(Math.min(2_000, settings.jitterMs));

    const before = await monitor.global();
    monitor.sampling(true);
    const killedAt = Date.now();
    node2.kill('SIGKILL');
    await node2.exited;
    await sleep(settings.downMs);
    const restartedAt = Date.now();
    const restarted = await system.startNode({ port: node2.port });
    const readyAt = Date.now();
    const cpuAtReady = await restarted.cpuSeconds();
    await pool.nodeReady(readyAt);
    const resumedSinceKill = (stats: FollowerStats) =>
      stats.resumedAt.filter((at) => at > killedAt);
    const allResumed = await followersUntil(
      (stats) => resumedSinceKill(stats).length === stats.followers,
      RESUME_TIMEOUT_MS,
    );
    const resumedAt = Date.now();
    const stormCpuS = (await restarted.cpuSeconds()) - cpuAtReady;
    await sleep(Math.min(2_000, settings.jitterMs));
    await sender.stop();
    monitor.sampling(false);
    const after = await monitor.global();

    const lastSeqs = await monitor.lastSeqs();
    const lastSeqOf = (chatId: number) => lastSeqs.get(chatId) ?? 0;
    await followersUntil(
      (stats) => stats.have.every(([chatId, have]) => have >= lastSeqOf(chatId)),
      CONVERGE_TIMEOUT_MS,
    );
    const stats = await pool.followerStats();
    const resumeTimes = resumedSinceKill(stats);
    // Node 1 (serving the sends), the killed node 2 before the kill, node 2 after the restart.
    const nodeErrors = warnAndErrorLines([node1, node2, restarted]);
    return {
      nodes: 2,
      clients: followers.length,
      chats: seeded.chats.length,
      jitter_ms: settings.jitterMs,
      rate: settings.rate,
      client_processes: settings.processes,
      down_s: round((restartedAt - killedAt) / 1000),
      boot_s: round((readyAt - restartedAt) / 1000),
      all_resumed: allResumed,
      resumed: resumeTimes.length,
      all_resumed_after_restart_s: round(
        (Math.max(restartedAt, ...resumeTimes) - restartedAt) / 1000,
      ),
      all_resumed_after_ready_s: round((Math.max(readyAt, ...resumeTimes) - readyAt) / 1000),
      resume_latency_ms: summarize(stats.resumeLatenciesMs),
      // CPU the restarted node spent from ready until every client had resumed, per client, and
      // how busy it was meanwhile (1 = one core all the time).
      storm_cpu_ms_per_client: round((stormCpuS * 1000) / followers.length, 2),
      storm_cpu_utilisation: round(stormCpuS / Math.max(0.001, (resumedAt - readyAt) / 1000), 2),
      connect_errors_initial: stats.connectErrorsBeforeReady,
      connect_errors_after_ready: stats.connectErrorsAfterReady,
      connect_error_reasons_after_ready: stats.connectErrorReasons,
      sync_calls: stats.syncCalls,
      sync_errors: stats.syncErrors,
      live_deliveries: stats.live,
      sends: sender.summary(),
      clients_behind: stats.have.filter(([chatId, have]) => have !== lastSeqOf(chatId)).length,
      messages_missing: stats.have.reduce(
        (sum, [chatId, have]) => sum + Math.max(0, lastSeqOf(chatId) - have),
        0,
      ),
      db_pool: {
        node_pool_size: Number(system.env.DB_POOL_SIZE ?? 10),
        max_connections_of_bench_db: monitor.maxConnections,
        threads_connected: { before: before.threadsConnected, after: after.threadsConnected },
        max_used_connections: { before: before.maxUsed, after: after.maxUsed },
        pool_timeouts_logged: nodeErrors.filter(
          (line) => /pool/i.test(line) && /timeout/i.test(line),
        ).length,
        node_warn_error_lines: nodeErrors.length,
        node_errors: topErrors(nodeErrors),
      },
      resumed_at_s: round((resumedAt - killedAt) / 1000),
    };
  } finally {
    sender.abort();
    await pool.close();
    await monitor.close();
  }
}
