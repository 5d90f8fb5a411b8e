import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mariadb, { type Connection } from 'mariadb';
import { io } from 'socket.io-client';
import type { ChatClient } from '@kelisim/testing';
import { sleep } from '../proc.js';
import { printResult, round, summarize } from '../report.js';
import { startSystem, type BenchNode, type SystemUnderTest } from '../system.js';
import { numberFromEnv, waitUntil } from './common.js';
import { poolOptions, type AckOf } from './db-insert.js';
import type { ScenarioOptions } from './scenario.js';

/**
 * Reconnect storm: `clients` real socket.io clients on node 2, each following its chat by seq,
 * while messages keep being sent through node 1 (REST). Node 2 is SIGKILLed and restarted on the
 * same port; once it is ready, every client reconnects at a uniformly random moment within the
 * jitter window (retrying within it on errors) and resumes with `sync {chat_id, after_seq}` until
 * `has_more` is false. Measures the time until every client
 * has resumed, refused connections and errors, failed sends and syncs, and what the database
 * pool did; finally every client must hold every message of its chat (no gap, by seq).
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
        clients: numberFromEnv('BENCH_RECONNECT_CLIENTS', 2_000),
        chatSize: 10,
        jitterMs: numberFromEnv('BENCH_RECONNECT_JITTER_MS', 5_000),
        rate: numberFromEnv('BENCH_RECONNECT_RATE', 50),
        processes: numberFromEnv('BENCH_RECONNECT_PROCESSES', 4),
        downMs: 1_000,
      };
  const system = await startSystem({ label: 'reconnect', nodes: 2 });
  try {
    const result = await storm(system, settings);
    printResult('reconnect', result);
    return result;
  } finally {
    await system.stop();
  }
}

interface Settings {
  clients: number;
  chatSize: number;
  jitterMs: number;
  /** Messages per second sent through node 1 throughout. */
  rate: number;
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
  const clients = seeded.userIds
    .filter((userId) => chatOf.has(userId))
    .map((userId) => ({ userId, chatId: chatOf.get(userId)!, token: system.tokenFor(userId) }));

  const monitor = await DbMonitor.start(system);
  const workers = Array.from({ length: settings.processes }, () => new ClientWorker());
  const sender = new Sender(node1, system, seeded.chats, settings.rate);
  try {
    const shares = workers.map((_, w) => clients.filter((_, i) => i % workers.length === w));
    await Promise.all(
      workers.map((worker, w) =>
        worker.call({
          type: 'start',
          url: node2.url,
          clients: shares[w]!,
          jitterMs: settings.jitterMs,
        }),
      ),
    );
    await waitUntil(
      async () => {
        const states = await Promise.all(workers.map((worker) => worker.status()));
        return states.every((state) => state.synced === state.clients);
      },
      CONNECT_TIMEOUT_MS,
      250,
    );
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
    await Promise.all(workers.map((worker) => worker.call({ type: 'ready', at: readyAt })));
    const allResumed = await waitUntil(
      async () => {
        const states = await Promise.all(workers.map((worker) => worker.status()));
        return states.every((state) => state.resumedAfter(killedAt) === state.clients);
      },
      RESUME_TIMEOUT_MS,
      250,
    );
    const resumedAt = Date.now();
    const stormCpuS = (await restarted.cpuSeconds()) - cpuAtReady;
    await sleep(Math.min(2_000, settings.jitterMs));
    await sender.stop();
    monitor.sampling(false);
    const after = await monitor.global();

    const lastSeqs = await monitor.lastSeqs();
    await waitUntil(
      async () => {
        const states = await Promise.all(workers.map((worker) => worker.status()));
        return states.every((state) => state.behind(lastSeqs) === 0);
      },
      CONVERGE_TIMEOUT_MS,
      250,
    );
    const reports = await Promise.all(workers.map((worker) => worker.report()));
    const resumeTimes = reports.flatMap((r) => r.resumedAt.filter((at) => at > killedAt));
    const resumeLatencies = reports.flatMap((r) => r.resumeLatenciesMs);
    const total = (pick: (report: WorkerReport) => number) =>
      reports.reduce((sum, report) => sum + pick(report), 0);
    const behind = reports.reduce(
      (sum, report) =>
        sum + report.have.filter(([chatId, have]) => have !== (lastSeqs.get(chatId) ?? 0)).length,
      0,
    );
    // Node 1 (serving the sends), the killed node 2 before the kill, node 2 after the restart.
    const nodeErrors = [node1, node2, restarted].flatMap((node) => node.logs.filter(isErrorLine));
    return {
      nodes: 2,
      clients: clients.length,
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
      resume_latency_ms: summarize(resumeLatencies),
      // CPU the restarted node spent from ready until every client had resumed, per client, and
      // how busy it was meanwhile (1 = one core all the time).
      storm_cpu_ms_per_client: round((stormCpuS * 1000) / clients.length, 2),
      storm_cpu_utilisation: round(stormCpuS / Math.max(0.001, (resumedAt - readyAt) / 1000), 2),
      connect_errors_initial: total((r) => r.connectErrorsBeforeReady),
      connect_errors_after_ready: total((r) => r.connectErrorsAfterReady),
      connect_error_reasons_after_ready: mergeCounts(reports.map((r) => r.connectErrorReasons)),
      sync_calls: total((r) => r.syncCalls),
      sync_errors: total((r) => r.syncErrors),
      live_deliveries: total((r) => r.live),
      sends: sender.summary(),
      clients_behind: behind,
      messages_missing: reports.reduce(
        (sum, report) =>
          sum +
          report.have.reduce(
            (m, [chatId, have]) => m + Math.max(0, (lastSeqs.get(chatId) ?? 0) - have),
            0,
          ),
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
    await Promise.all(workers.map((worker) => worker.close()));
    await monitor.close();
  }
}

/** The most frequent warning and error log messages, `count× msg: err.message`. */
function topErrors(lines: string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    let key = line.slice(0, 160);
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      key = `${entry.msg ?? ''}: ${entry.err?.message?.split('\n')[0]?.slice(0, 160) ?? ''}`;
    } catch {
      // not pino JSON: the line itself
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([key, count]) => `${count}× ${key}`);
}

function isErrorLine(line: string): boolean {
  try {
    const { level } = JSON.parse(line) as { level?: string };
    // warn (e.g. "database unavailable" → 503) and above
    return level === 'warn' || level === 'error' || level === 'fatal';
  } catch {
    return /error/i.test(line);
  }
}

/** Sends `rate` messages per second through one node, round robin over the chats (REST). */
class Sender {
  private ok = 0;
  private failed = 0;
  private skipped = 0;
  private inFlight = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly errors = new Map<string, number>();
  private readonly latencies: number[] = [];
  private readonly controller = new AbortController();

  constructor(
    private readonly node: BenchNode,
    private readonly system: SystemUnderTest,
    private readonly chats: { id: number; memberIds: number[] }[],
    private readonly rate: number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const tokens = this.chats.map((chat) => this.system.tokenFor(chat.memberIds[0]!));
    const started = Date.now();
    for (let n = 0; this.running; n++) {
      const due = started + (n * 1000) / this.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (this.inFlight >= 500) {
        // Not a failed send: the node is behind and the generator does not pile on more.
        this.skipped++;
        continue;
      }
      const index = n % this.chats.length;
      void this.send(this.chats[index]!.id, tokens[index]!, n);
    }
  }

  private async send(chatId: number, token: string, n: number): Promise<void> {
    this.inFlight++;
    const t0 = performance.now();
    try {
      const response = await fetch(`${this.node.url}/api/chats/${chatId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: `storm ${n}`, temp_id: `storm-${n}` }),
        signal: this.controller.signal,
      });
      await response.arrayBuffer();
      if (response.status === 201) {
        this.ok++;
        this.latencies.push(performance.now() - t0);
      } else {
        this.failed++;
        this.count(`HTTP ${response.status}`);
      }
    } catch (error) {
      this.failed++;
      this.count(error instanceof Error ? error.message : String(error));
    } finally {
      this.inFlight--;
    }
  }

  private count(message: string): void {
    this.errors.set(message, (this.errors.get(message) ?? 0) + 1);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await waitUntil(() => this.inFlight === 0, 30_000, 250);
  }

  abort(): void {
    this.running = false;
    this.controller.abort();
  }

  summary() {
    return {
      ok: this.ok,
      failed: this.failed,
      skipped_over_500_in_flight: this.skipped,
      latency_ms: summarize(this.latencies),
      ...(this.errors.size > 0
        ? { errors: [...this.errors].slice(0, 5).map(([message, count]) => `${count}× ${message}`) }
        : {}),
    };
  }
}

/** MariaDB's view: connections of the bench database (sampled), global thread counters. */
class DbMonitor {
  maxConnections = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly conn: Connection,
    private readonly database: string,
  ) {}

  static async start(system: SystemUnderTest): Promise<DbMonitor> {
    const conn = await mariadb.createConnection(poolOptions(system.database));
    return new DbMonitor(conn, system.database.database);
  }

  async global(): Promise<{ threadsConnected: number; maxUsed: number }> {
    const rows = await this.conn.query<{ Variable_name: string; Value: string }[]>(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Max_used_connections')",
    );
    const value = (name: string) => Number(rows.find((row) => row.Variable_name === name)?.Value);
    return { threadsConnected: value('Threads_connected'), maxUsed: value('Max_used_connections') };
  }

  sampling(on: boolean): void {
    clearInterval(this.timer);
    if (!on) return;
    this.timer = setInterval(() => {
      this.conn
        .query<{ n: number }[]>(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?',
          [this.database],
        )
        .then(([row]) => (this.maxConnections = Math.max(this.maxConnections, Number(row?.n))))
        .catch(() => undefined);
    }, 100);
  }

  async lastSeqs(): Promise<Map<number, number>> {
    const rows = await this.conn.query<{ id: number; last_seq: number }[]>(
      'SELECT id, last_seq FROM chats',
    );
    return new Map(rows.map((row) => [Number(row.id), Number(row.last_seq)]));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.conn.end();
  }
}

// ---- client processes -------------------------------------------------------------------------

interface ClientSpec {
  userId: number;
  chatId: number;
  token: string;
}

type ParentMessage =
  | { id: number; type: 'start'; url: string; clients: ClientSpec[]; jitterMs: number }
  | { id: number; type: 'ready'; at: number }
  | { id: number; type: 'status' }
  | { id: number; type: 'report' };

interface WorkerStatus {
  clients: number;
  synced: number;
  /** Per client: when it last finished resuming (epoch ms), 0 if never. */
  resumedAt: number[];
  have: [chatId: number, seq: number][];
}

interface WorkerReport extends WorkerStatus {
  resumeLatenciesMs: number[];
  connectErrorsBeforeReady: number;
  connectErrorsAfterReady: number;
  connectErrorReasons: Record<string, number>;
  syncCalls: number;
  syncErrors: number;
  live: number;
}

type ChildReply = { id: number; result: unknown };

const benchDir = fileURLToPath(new URL('../../', import.meta.url));

/** One child process holding a share of the clients, driven over IPC. */
class ClientWorker {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(result: unknown): void; fail(): void }>();
  private exitCode: number | null | undefined;

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), [], {
      // `--import tsx` resolves from the working directory: the bench package has tsx.
      cwd: benchDir,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_RECONNECT_WORKER: '1' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: ChildReply) => {
      this.pending.get(message.id)?.resolve(message.result);
    });
    this.child.once('exit', (code) => {
      this.exitCode = code;
      for (const call of this.pending.values()) call.fail();
    });
  }

  call(message: DistributiveOmit<ParentMessage, 'id'>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new Error(`client process ${why} (${message.type})`));
      };
      const timer = setTimeout(() => fail('did not answer within 60 s'), 60_000);
      this.pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(result);
        },
        fail: () => fail(`exited with ${this.exitCode}`),
      });
      if (this.exitCode !== undefined) fail(`exited with ${this.exitCode}`);
      else this.child.send({ ...message, id });
    });
  }

  async status() {
    const status = (await this.call({ type: 'status' })) as WorkerStatus;
    return {
      clients: status.clients,
      synced: status.synced,
      resumedAfter: (at: number) => status.resumedAt.filter((time) => time > at).length,
      behind: (lastSeqs: Map<number, number>) =>
        status.have.filter(([chatId, have]) => have < (lastSeqs.get(chatId) ?? 0)).length,
    };
  }

  async report(): Promise<WorkerReport> {
    return (await this.call({ type: 'report' })) as WorkerReport;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A client that follows one chat by seq: live pushes in order, `sync` after connects and gaps. */
class FollowingClient {
  have = 0;
  synced = false;
  resumedAt = 0;
  connectErrorsBeforeReady = 0;
  connectErrorsAfterReady = 0;
  readonly connectErrorReasons: Record<string, number> = {};
  syncCalls = 0;
  syncErrors = 0;
  live = 0;
  readonly resumeLatenciesMs: number[] = [];
  private readonly ahead = new Set<number>();
  private readonly socket: ChatClient;
  private syncing = false;
  private attemptAt = 0;
  private stopped = false;

  constructor(
    url: string,
    readonly spec: ClientSpec,
    private readonly jitterMs: number,
    private readonly readyAt: () => number,
    private readonly restarted: Promise<void>,
  ) {
    this.socket = io(url, {
      auth: { token: spec.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    this.socket.on('connect', () => void this.resume());
    this.socket.on('connect_error', (error) => {
      if (this.readyAt() > 0 && Date.now() >= this.readyAt()) {
        this.connectErrorsAfterReady++;
        this.connectErrorReasons[error.message] =
          (this.connectErrorReasons[error.message] ?? 0) + 1;
      } else this.connectErrorsBeforeReady++;
      this.reconnectLater();
    });
    // The storm: once the node is back, every client reconnects within the jitter window.
    this.socket.on('disconnect', () => void this.restarted.then(() => this.reconnectLater()));
    this.socket.on('new_message', ({ message }) => {
      if (message.chat_id !== this.spec.chatId) return;
      this.live++;
      this.receive(message.seq);
      if (this.ahead.size > 0 && !this.syncing) void this.resume();
    });
  }

  connect(): void {
    this.attemptAt = Date.now();
    this.socket.connect();
  }

  close(): void {
    this.stopped = true;
    this.socket.close();
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (!this.stopped && !this.socket.connected) this.connect();
    }, Math.random() * this.jitterMs);
  }

  private receive(seq: number): void {
    if (seq <= this.have) return;
    this.ahead.add(seq);
    while (this.ahead.delete(this.have + 1)) this.have++;
  }

  /** `sync` from the last seq held until `has_more` is false (bounded pages and retries). */
  private async resume(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      for (let page = 0, failures = 0; page < 10_000 && failures < 20; page++) {
        if (!this.socket.connected) return;
        this.syncCalls++;
        try {
          const ack = (await this.socket.timeout(30_000).emitWithAck('sync', {
            chat_id: this.spec.chatId,
            after_seq: this.have,
            limit: 100,
          })) as AckOf<{ messages: { seq: number }[]; has_more: boolean }>;
          if (!ack.ok) throw new Error(ack.error.code);
          for (const message of ack.messages) this.receive(message.seq);
          if (!ack.has_more) {
            this.synced = true;
            this.resumedAt = Date.now();
            if (this.attemptAt > 0) this.resumeLatenciesMs.push(this.resumedAt - this.attemptAt);
            this.attemptAt = 0;
            return;
          }
        } catch {
          this.syncErrors++;
          failures++;
          await sleep(100 * failures);
        }
      }
    } finally {
      this.syncing = false;
    }
  }
}

function clientWorkerMain(): void {
  let clients: FollowingClient[] = [];
  let readyAt = 0;
  let markRestarted = () => {};
  const restarted = new Promise<void>((resolve) => (markRestarted = resolve));
  const answer = (id: number, result: unknown) =>
    process.send?.({ id, result } satisfies ChildReply);
  process.on('SIGTERM', () => {
    for (const client of clients) client.close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'start': {
        clients = message.clients.map(
          (spec) =>
            new FollowingClient(message.url, spec, message.jitterMs, () => readyAt, restarted),
        );
        // Paced initial connects: a burst of thousands of handshakes is the storm, not the setup.
        void (async () => {
          for (let i = 0; i < clients.length; i += 50) {
            for (const client of clients.slice(i, i + 50)) client.connect();
            await sleep(50);
          }
        })();
        answer(message.id, true);
        return;
      }
      case 'ready':
        readyAt = message.at;
        markRestarted();
        answer(message.id, true);
        return;
      case 'status':
        answer(message.id, status(clients));
        return;
      case 'report':
        answer(message.id, {
          ...status(clients),
          resumeLatenciesMs: clients.flatMap((client) => client.resumeLatenciesMs.slice(1)),
          connectErrorsBeforeReady: sum(clients, (client) => client.connectErrorsBeforeReady),
          connectErrorsAfterReady: sum(clients, (client) => client.connectErrorsAfterReady),
          connectErrorReasons: mergeCounts(clients.map((client) => client.connectErrorReasons)),
          syncCalls: sum(clients, (client) => client.syncCalls),
          syncErrors: sum(clients, (client) => client.syncErrors),
          live: sum(clients, (client) => client.live),
        } satisfies WorkerReport);
        return;
    }
  });
}

function status(clients: FollowingClient[]): WorkerStatus {
  return {
    clients: clients.length,
    synced: clients.filter((client) => client.synced).length,
    resumedAt: clients.map((client) => client.resumedAt),
    have: clients.map((client) => [client.spec.chatId, client.have]),
  };
}

function mergeCounts(counts: Record<string, number>[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const count of counts) {
    for (const [key, value] of Object.entries(count)) merged[key] = (merged[key] ?? 0) + value;
  }
  return merged;
}

const sum = <T>(items: T[], pick: (item: T) => number) =>
  items.reduce((total, item) => total + pick(item), 0);

if (process.env.BENCH_RECONNECT_WORKER === '1') clientWorkerMain();
