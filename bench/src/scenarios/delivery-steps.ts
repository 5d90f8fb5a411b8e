// What the delivery scenarios (chat, fanout, plain-ws) share: clients spread over the nodes,
// connected and probed until every one is listening, then load steps measured the same way.
import type { AgentPool, AggregateStats } from '../client/agents.js';
import { now, type ClientSpec } from '../client/protocol.js';
import { round } from '../report.js';
import type { BenchNode } from '../system.js';
import { drain, numberFromEnv, numbersFromEnv, totalCpuSeconds, waitUntil } from './common.js';

/** How a delivery scenario sweeps its rates, and with how many load generator processes. */
export interface SweepSizes {
  rates: number[];
  durationMs: number;
  warmupMs: number;
  agents: number;
  /** Every n-th client is the real socket.io-client. */
  realEvery: number;
}

/**
 * Tiny sizes for smoke tests; otherwise the rates from `variable` (or `fallback`), and
 * BENCH_DURATION_S (8 s a step) and BENCH_AGENTS (2) as every delivery scenario reads them.
 */
export function sweepSizes(
  smoke: boolean,
  [variable, fallback]: [variable: string, fallback: number[]],
): SweepSizes {
  if (smoke) return { rates: [20], durationMs: 1_000, warmupMs: 0, agents: 2, realEvery: 10 };
  return {
    rates: numbersFromEnv(variable, fallback),
    durationMs: numberFromEnv('BENCH_DURATION_S', 8) * 1000,
    warmupMs: 2_000,
    agents: numberFromEnv('BENCH_AGENTS', 2),
    realEvery: 50,
  };
}

/**
 * One client per `auths` entry, client `i` on node `i % nodes` and, with `realEvery`, every
 * `realEvery`-th one the real socket.io-client (the sample that checks the lean client).
 */
export function clientsOver(
  nodes: { url: string }[],
  auths: Record<string, unknown>[],
  options: Pick<ClientSpec, 'subscribe' | 'transport'> & { realEvery?: number },
): ClientSpec[] {
  const { realEvery, ...rest } = options;
  return auths.map((auth, index) => ({
    url: nodes[index % nodes.length]!.url,
    auth,
    ...rest,
    ...(realEvery ? { real: index % realEvery === realEvery - 1 } : {}),
  }));
}

/**
 * Connects `specs` (50 handshakes in flight per agent; every one must succeed), then calls
 * `probe()` every 250 ms until every client has received a probe, for 20 s at most.
 */
export async function connectUntilProbed(
  pool: AgentPool,
  specs: ClientSpec[],
  probe: () => void,
  clientsAre = 'client',
): Promise<void> {
  const connected = await pool.connect(specs, 50);
  if (connected.failed > 0) {
    throw new Error(`${connected.failed} clients failed to connect: ${connected.firstError}`);
  }
  await pool.reset();
  const allProbed = await waitUntil(
    async () => {
      probe();
      return (await pool.stats()).probed >= specs.length;
    },
    20_000,
    250,
  );
  if (!allProbed) throw new Error(`not every ${clientsAre} received the probe within 20 s`);
}

export interface DeliveryWindow {
  stats: AggregateStats;
  /** How long the load ran (the window goes on until the deliveries drained). */
  elapsedMs: number;
  /** Expected deliveries that never arrived. */
  loss: number;
  deliveriesPerS: number;
  /** The step line's CPU figures: the nodes' per delivery, the nodes' and generators' load. */
  cpuReport: {
    cpu_us_per_delivery: number;
    server_cpu_pct: number;
    generator_cpu_pct: number;
  };
}

/**
 * One measured window: resets the agents' counts, runs `load` (resolving with how long it ran),
 * waits until `expected` deliveries arrived (see `drain`), and takes the nodes' CPU meanwhile.
 */
export async function measureDeliveries(
  pool: AgentPool,
  nodes: BenchNode[],
  load: () => Promise<number>,
  expected: (stats: AggregateStats) => number,
): Promise<DeliveryWindow> {
  await pool.reset();
  const cpuBefore = await totalCpuSeconds(nodes);
  const started = now();
  const elapsedMs = await load();
  const stats = await drain(pool, expected);
  const windowS = (now() - started) / 1000;
  const cpu = (await totalCpuSeconds(nodes)) - cpuBefore;
  return {
    stats,
    elapsedMs,
    loss: Math.max(0, expected(stats) - stats.deliveries),
    deliveriesPerS: round(stats.deliveries / (elapsedMs / 1000), 1),
    cpuReport: {
      cpu_us_per_delivery: stats.deliveries > 0 ? round((cpu / stats.deliveries) * 1e6, 2) : 0,
      server_cpu_pct: round((cpu / windowS) * 100, 1),
      generator_cpu_pct: round((stats.generatorCpuSeconds / windowS) * 100, 1),
    },
  };
}

/** What a sweep keeps of each step. */
export interface DeliveryStep {
  rate: number;
  pass: boolean;
  deliveriesPerS: number;
  p99: number;
  cpuUsPerDelivery: number;
}

/** Measures `rates` in order, up to the first step after which `stopAfter` says to stop. */
export async function sweep<S extends DeliveryStep>(
  rates: number[],
  measure: (rate: number) => Promise<S>,
  stopAfter: (step: S) => boolean,
): Promise<S[]> {
  const steps: S[] = [];
  for (const rate of rates) {
    const step = await measure(rate);
    steps.push(step);
    if (stopAfter(step)) break;
  }
  return steps;
}

/** The highest `pick` of the steps that passed, 0 when none did. */
export function bestPassing<S extends DeliveryStep>(steps: S[], pick: (step: S) => number): number {
  return steps.filter((s) => s.pass).reduce((max, s) => Math.max(max, pick(s)), 0);
}
