// Scenario 2, Laravel fan-out: Laravel's RedisBroadcaster publishes `{event, data, socket}` on
// `<REDIS_PREFIX><channel>`; N subscribers of that (public) channel, spread over 2 nodes, each
// receive it. Swept in publish rate until p99 exceeds 100 ms or more than 0.1 % is lost. The
// baseline is the bare equivalent: 2 bare socket.io nodes with the same Redis adapter, reached
// through `@socket.io/redis-emitter` (`emitter.to(room).emit(event, channel, data)`), with the
// same clients receiving the same frames.
import { Emitter } from '@socket.io/redis-emitter';
import { AgentPool } from '../client/agents.js';
import { now, type ClientSpec } from '../client/protocol.js';
import { startBaseline } from '../baseline/system.js';
import { printResult, progress, round } from '../report.js';
import { startSystem, type BenchNode } from '../system.js';
import {
  drain,
  numberFromEnv,
  numbersFromEnv,
  ratio,
  totalCpuSeconds,
  waitUntil,
  ourNodesThenBaseline,
} from './common.js';
import { paced } from './pacing.js';
import type { ScenarioOptions } from './scenario.js';

const CHANNEL = 'bench-fanout';
const EVENT = 'App\\Events\\BenchBroadcast';
const P99_LIMIT_MS = 100;
const LOSS_LIMIT = 0.001;

interface FanoutTarget {
  system: 'kelisim' | 'baseline';
  nodes: BenchNode[];
  specs: ClientSpec[];
  /** Publishes one broadcast the way this system is fed. */
  publish(data: Record<string, unknown>): void;
  stop(): Promise<void>;
}

interface Sizes {
  subscribers: number;
  rates: number[];
  durationMs: number;
  warmupMs: number;
  agents: number;
  realEvery: number;
}

function sizes(smoke: boolean): Sizes {
  if (smoke) {
    return {
      subscribers: 20,
      rates: [20],
      durationMs: 1_000,
      warmupMs: 0,
      agents: 2,
      realEvery: 10,
    };
  }
  return {
    subscribers: numberFromEnv('BENCH_FANOUT_SUBSCRIBERS', 1_000),
    rates: numbersFromEnv('BENCH_FANOUT_RATES', [20, 50, 80, 110, 140, 180, 240]),
    durationMs: numberFromEnv('BENCH_DURATION_S', 8) * 1000,
    warmupMs: 2_000,
    agents: numberFromEnv('BENCH_AGENTS', 2),
    realEvery: 50,
  };
}

async function startOurs(size: Sizes): Promise<FanoutTarget> {
  const sut = await startSystem({ label: 'fanout', nodes: 2 });
  try {
    const { userIds } = await sut.seed({ users: size.subscribers, chatSize: 0 });
    const channel = `${sut.broadcastPrefix}${CHANNEL}`;
    return {
      system: 'kelisim',
      nodes: sut.nodes,
      specs: userIds.map((userId, index) => ({
        url: sut.nodes[index % sut.nodes.length]!.url,
        auth: { token: sut.tokenFor(userId) },
        subscribe: [CHANNEL],
        real: index % size.realEvery === size.realEvery - 1,
      })),
      publish: (data) =>
        void sut.redis.publish(channel, JSON.stringify({ event: EVENT, data, socket: null })),
      stop: () => sut.stop(),
    };
  } catch (error) {
    await sut.stop();
    throw error;
  }
}

async function startReference(size: Sizes): Promise<FanoutTarget> {
  const baseline = await startBaseline({ nodes: 2 });
  const emitter = new Emitter(baseline.redis, { key: baseline.socketIoKey });
  const room = `echo:${CHANNEL}`;
  return {
    system: 'baseline',
    nodes: baseline.nodes,
    specs: Array.from({ length: size.subscribers }, (_, index) => ({
      url: baseline.nodes[index % baseline.nodes.length]!.url,
      auth: { rooms: [room] },
      real: index % size.realEvery === size.realEvery - 1,
    })),
    publish: (data) => emitter.to(room).emit(EVENT, CHANNEL, data),
    stop: () => baseline.stop(),
  };
}

interface StepResult {
  rate: number;
  pass: boolean;
  deliveriesPerS: number;
  p99: number;
  cpuUsPerDelivery: number;
}

async function step(
  target: FanoutTarget,
  pool: AgentPool,
  size: Sizes,
  rate: number,
  durationMs: number,
  report: boolean,
): Promise<StepResult> {
  await pool.reset();
  const cpuBefore = await totalCpuSeconds(target.nodes);
  const started = now();
  const { fired, elapsedMs } = await paced(rate, durationMs, (i) =>
    target.publish({ t: now(), key: `b${i}`, n: i }),
  );
  const expected = fired * size.subscribers;
  const stats = await drain(pool, () => expected);
  const windowS = (now() - started) / 1000;
  const cpu = (await totalCpuSeconds(target.nodes)) - cpuBefore;
  const loss = Math.max(0, expected - stats.deliveries);
  const lossRatio = expected > 0 ? loss / expected : 0;
  const pass =
    stats.delivery.p99 <= P99_LIMIT_MS &&
    lossRatio <= LOSS_LIMIT &&
    stats.duplicates === 0 &&
    stats.disconnects === 0;
  const result: StepResult = {
    rate,
    pass,
    deliveriesPerS: round(stats.deliveries / (elapsedMs / 1000), 1),
    p99: stats.delivery.p99,
    cpuUsPerDelivery: stats.deliveries > 0 ? round((cpu / stats.deliveries) * 1e6, 2) : 0,
  };
  if (report) {
    printResult('fanout', {
      kind: 'step',
      system: target.system,
      nodes: target.nodes.length,
      subscribers: size.subscribers,
      rate,
      duration_s: round(elapsedMs / 1000, 2),
      published: fired,
      deliveries: stats.deliveries,
      deliveries_per_s: result.deliveriesPerS,
      loss,
      loss_ratio: round(lossRatio, 5),
      duplicates: stats.duplicates,
      disconnects: stats.disconnects,
      delivery_ms: stats.delivery,
      sample_delivery_ms: stats.sampleDelivery,
      cpu_us_per_delivery: result.cpuUsPerDelivery,
      server_cpu_pct: round((cpu / windowS) * 100, 1),
      generator_cpu_pct: round((stats.generatorCpuSeconds / windowS) * 100, 1),
      pass,
    });
  }
  return result;
}

async function exercise(target: FanoutTarget, size: Sizes): Promise<StepResult[]> {
  const pool = AgentPool.start(size.agents);
  try {
    progress(`fanout: connecting ${target.specs.length} clients to ${target.system}`);
    const connected = await pool.connect(target.specs, 50);
    if (connected.failed > 0) {
      throw new Error(`${connected.failed} clients failed to connect: ${connected.firstError}`);
    }
    // Subscriptions are confirmed by nothing on public channels: publish probes until all see one.
    await pool.reset();
    const allProbed = await waitUntil(
      async () => {
        target.publish({ probe: true });
        return (await pool.stats()).probed >= target.specs.length;
      },
      20_000,
      250,
    );
    if (!allProbed) throw new Error('not every subscriber received the probe within 20 s');
    await step(target, pool, size, size.rates[0]!, size.warmupMs, false);
    const steps: StepResult[] = [];
    for (const rate of size.rates) {
      const result = await step(target, pool, size, rate, size.durationMs, true);
      steps.push(result);
      if (!result.pass) break;
    }
    return steps;
  } finally {
    await pool.close();
  }
}

export async function run(options: ScenarioOptions): Promise<void> {
  const size = sizes(options.smoke);
  const { kelisim: ours, baseline: base } = await ourNodesThenBaseline(
    'fanout',
    { ours: () => startOurs(size), baseline: () => startReference(size) },
    (target) => exercise(target, size),
  );
  const best = (steps: StepResult[]) =>
    steps.filter((s) => s.pass).reduce((max, s) => Math.max(max, s.deliveriesPerS), 0);
  // CPU per delivery compared at the highest rate both sustained (or the first rate).
  const common =
    [...ours].reverse().find((s) => s.pass && base.some((b) => b.rate === s.rate && b.pass)) ??
    ours[0]!;
  const baseCommon = base.find((b) => b.rate === common.rate);
  printResult('fanout', {
    kind: 'summary',
    nodes: 2,
    subscribers: size.subscribers,
    deliveries_per_s: best(ours),
    baseline_deliveries_per_s: best(base),
    ratio: ratio(best(ours), best(base)),
    rate_limit_reached: ours.every((s) => s.pass) || base.every((s) => s.pass),
    p99_ms: ours.filter((s) => s.pass).at(-1)?.p99 ?? null,
    cpu_rate: common.rate,
    cpu_us_per_delivery: common.cpuUsPerDelivery,
    baseline_cpu_us_per_delivery: baseCommon?.cpuUsPerDelivery ?? null,
    cpu_ratio: baseCommon ? ratio(common.cpuUsPerDelivery, baseCommon.cpuUsPerDelivery) : null,
  });
}
