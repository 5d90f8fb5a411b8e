// Scenario 3, idle connections: N authenticated connections (each user in one chat of 10) held by
// ONE node, for several N; the node's RSS before and after (RSS per connection), the connect rate,
// and the node's CPU while the connections sit idle (heartbeats, presence refreshes). The
// baseline is one bare socket.io node with the same Redis adapter, its clients in one room each.
// `rss_loaded_mb` is read at the end of the idle window (the heap collected at leisure); RSS per
// connection is (that − RSS before) / N. Heap per connection is the steadier figure: the V8 heap
// in use right after a forced full collection (over the inspector), after the idle window minus
// before the clients connected, / N.
// A fresh node per N, so one size's garbage never counts towards the next.
import { withAgentPool } from '../client/agents.js';
import type { ClientSpec } from '../client/protocol.js';
import { startBaseline } from '../baseline/system.js';
import { stopProcess, sleep } from '../proc.js';
import { printResult, progress, round } from '../report.js';
import { benchRole, startSystem, type BenchNode } from '../system.js';
import { MB, numberFromEnv, numbersFromEnv, ratio } from './common.js';
import type { ScenarioOptions } from './scenario.js';

interface Sizes {
  counts: number[];
  idleMs: number;
  settleMs: number;
  chatSize: number;
}

function sizes(smoke: boolean): Sizes {
  if (smoke) return { counts: [40], idleMs: 1_000, settleMs: 300, chatSize: 10 };
  return {
    // This machine's hard `ulimit -n` is 20 000 per process: a node holding 20 000 sockets needs a
    // few dozen descriptors more, so the default top size stays just under it.
    counts: numbersFromEnv('BENCH_CONNECTIONS', [5_000, 10_000, 19_500]),
    // socket.io pings every 25 s: the idle window covers one full heartbeat round.
    idleMs: numberFromEnv('BENCH_IDLE_S', 26) * 1000,
    settleMs: 3_000,
    chatSize: 10,
  };
}

interface Measured {
  connections: number;
  connected: number;
  rssPerConnectionKb: number;
  heapPerConnectionKb: number;
  connectsPerS: number;
  rssLoadedMb: number;
  idleCpuPct: number;
}

/** Connects `specs` to `node` from fresh load generator processes and measures the node. */
async function measure(
  system: 'kelisim' | 'baseline',
  node: BenchNode,
  specs: ClientSpec[],
  size: Sizes,
): Promise<Measured> {
  const n = specs.length;
  await sleep(size.settleMs);
  const rssBefore = await node.rssBytes();
  const heapBefore = await node.heapUsedAfterGc();
  const agents = Math.max(2, Math.min(8, Math.ceil(n / 5_000)));
  return withAgentPool(agents, async (pool) => {
    progress(`connections: ${n} clients to ${system} (${agents} generator processes)`);
    const connected = await pool.connect(specs, 100);
    await sleep(size.settleMs);
    const rssLoaded = await node.rssBytes();
    const cpuBefore = await node.cpuSeconds();
    await pool.reset();
    await sleep(size.idleMs);
    const idleCpu = (await node.cpuSeconds()) - cpuBefore;
    // After the idle window the heap has been collected at leisure: the steadier figure.
    const rssIdle = await node.rssBytes();
    // Collected on purpose only now, so that the RSS above is the idle process's own.
    const heapIdle = await node.heapUsedAfterGc();
    const stats = await pool.stats();
    const perConnectionKb = (bytes: number) =>
      connected.connected > 0 ? round(bytes / connected.connected / 1024, 2) : 0;
    const result: Measured = {
      connections: n,
      connected: connected.connected,
      rssPerConnectionKb: perConnectionKb(rssIdle - rssBefore),
      heapPerConnectionKb: perConnectionKb(heapIdle - heapBefore),
      connectsPerS: round(connected.connected / (connected.elapsedMs / 1000), 1),
      rssLoadedMb: round(rssIdle / MB, 1),
      idleCpuPct: round((idleCpu / (size.idleMs / 1000)) * 100, 2),
    };
    printResult('connections', {
      kind: 'step',
      system,
      ...(system === 'kelisim' ? { role: benchRole } : {}),
      nodes: 1,
      connections: n,
      connected: connected.connected,
      failed: connected.failed,
      first_error: connected.firstError ?? null,
      connect_s: round(connected.elapsedMs / 1000, 2),
      connects_per_s: result.connectsPerS,
      rss_before_mb: round(rssBefore / MB, 1),
      rss_after_connect_mb: round(rssLoaded / MB, 1),
      rss_loaded_mb: result.rssLoadedMb,
      rss_per_connection_kb: result.rssPerConnectionKb,
      heap_before_mb: round(heapBefore / MB, 1),
      heap_idle_mb: round(heapIdle / MB, 1),
      heap_per_connection_kb: result.heapPerConnectionKb,
      idle_s: size.idleMs / 1000,
      idle_cpu_pct: result.idleCpuPct,
      idle_cpu_us_per_connection_s:
        connected.connected > 0
          ? round((idleCpu / (size.idleMs / 1000) / connected.connected) * 1e6, 3)
          : 0,
      disconnects: stats.disconnects,
      generator_processes: agents,
    });
    return result;
  });
}

export async function run(options: ScenarioOptions): Promise<void> {
  const size = sizes(options.smoke);
  const largest = Math.max(...size.counts);
  const ours: Measured[] = [];
  const base: Measured[] = [];

  progress('connections: starting our system');
  const sut = await startSystem({ label: 'connections', nodes: 0, inspect: true });
  try {
    const { userIds } = await sut.seed({ users: largest, chatSize: size.chatSize });
    for (const count of size.counts) {
      const node = await sut.startNode();
      try {
        const specs = userIds.slice(0, count).map((userId) => ({
          url: node.url,
          auth: { token: sut.tokenFor(userId) },
        }));
        ours.push(await measure('kelisim', node, specs, size));
      } finally {
        await stopProcess(node);
      }
    }
  } finally {
    await sut.stop();
  }

  for (const count of size.counts) {
    progress('connections: starting the baseline');
    const baseline = await startBaseline({ nodes: 1, inspect: true });
    try {
      const node = baseline.nodes[0]!;
      const specs = Array.from({ length: count }, (_, i) => ({
        url: node.url,
        auth: { rooms: [`chat:${Math.floor(i / size.chatSize) + 1}`] },
      }));
      base.push(await measure('baseline', node, specs, size));
    } finally {
      await baseline.stop();
    }
  }

  for (const mine of ours) {
    const theirs = base.find((b) => b.connections === mine.connections);
    printResult('connections', {
      kind: 'summary',
      role: benchRole,
      nodes: 1,
      connections: mine.connections,
      held: mine.connected === mine.connections,
      rss_loaded_mb: mine.rssLoadedMb,
      rss_per_connection_kb: mine.rssPerConnectionKb,
      baseline_rss_per_connection_kb: theirs?.rssPerConnectionKb ?? null,
      rss_ratio: theirs ? ratio(mine.rssPerConnectionKb, theirs.rssPerConnectionKb) : null,
      heap_per_connection_kb: mine.heapPerConnectionKb,
      baseline_heap_per_connection_kb: theirs?.heapPerConnectionKb ?? null,
      heap_ratio: theirs ? ratio(mine.heapPerConnectionKb, theirs.heapPerConnectionKb) : null,
      connects_per_s: mine.connectsPerS,
      baseline_connects_per_s: theirs?.connectsPerS ?? null,
      connect_rate_ratio: theirs ? ratio(mine.connectsPerS, theirs.connectsPerS) : null,
      idle_cpu_pct: mine.idleCpuPct,
      baseline_idle_cpu_pct: theirs?.idleCpuPct ?? null,
    });
  }
}
