// Scenario 2, Laravel fan-out: Laravel's RedisBroadcaster publishes `{event, data, socket}` on
// `<REDIS_PREFIX><channel>`; N subscribers of that (public) channel, spread over 2 nodes, each
// receive it. Swept in publish rate until p99 exceeds 100 ms or more than 0.1 % is lost. The
// baseline is the bare equivalent: 2 bare socket.io nodes with the same Redis adapter, reached
// through `@socket.io/redis-emitter` (`emitter.to(room).emit(event, channel, data)`), with the
// same clients receiving the same frames.
import { Emitter } from '@socket.io/redis-emitter';
import { withAgentPool, type AgentPool } from '../client/agents.js';
import { now, type ClientSpec } from '../client/protocol.js';
import { startBaseline } from '../baseline/system.js';
import { printResult, progress, round } from '../report.js';
import type { BenchNode, SystemUnderTest } from '../system.js';
import { numberFromEnv, ratio, ourNodesThenBaseline, startOurSystem } from './common.js';
import {
  bestPassing,
  clientsOver,
  connectUntilProbed,
  measureDeliveries,
  sweep,
  sweepSizes,
  type DeliveryStep,
  type SweepSizes,
} from './delivery-steps.js';
import { paced } from './pacing.js';
import type { ScenarioOptions } from './scenario.js';

const CHANNEL = 'bench-fanout';
const EVENT = 'App\\Events\\BenchBroadcast';
const P99_LIMIT_MS = 100;
const LOSS_LIMIT = 0.001;

export interface FanoutTarget {
  system: 'kelisim' | 'baseline';
  nodes: BenchNode[];
  specs: ClientSpec[];
  /** Publishes one broadcast the way this system is fed. */
  publish(data: Record<string, unknown>): void;
  stop(): Promise<void>;
}

export interface Sizes extends SweepSizes {
  subscribers: number;
}

export function sizes(smoke: boolean): Sizes {
  return {
    ...sweepSizes(smoke, ['BENCH_FANOUT_RATES', [20, 50, 80, 110, 140, 180, 240]]),
    subscribers: smoke ? 20 : numberFromEnv('BENCH_FANOUT_SUBSCRIBERS', 1_000),
  };
}

function startOurs(size: Sizes): Promise<FanoutTarget> {
  return startOurSystem({ label: 'fanout', nodes: 2 }, (sut) => fanoutTarget(sut, size));
}

/** Our nodes as the fan-out's target: `size.subscribers` users subscribed to one channel. */
export async function fanoutTarget(sut: SystemUnderTest, size: Sizes): Promise<FanoutTarget> {
  const { userIds } = await sut.seed({ users: size.subscribers, chatSize: 0 });
  const channel = `${sut.broadcastPrefix}${CHANNEL}`;
  return {
    system: 'kelisim',
    nodes: sut.nodes,
    specs: clientsOver(
      sut.nodes,
      userIds.map((userId) => ({ token: sut.tokenFor(userId) })),
      { subscribe: [CHANNEL], realEvery: size.realEvery },
    ),
    publish: (data) =>
      void sut.redis.publish(channel, JSON.stringify({ event: EVENT, data, socket: null })),
    stop: () => sut.stop(),
  };
}

async function startReference(size: Sizes): Promise<FanoutTarget> {
  const baseline = await startBaseline({ nodes: 2 });
  const emitter = new Emitter(baseline.redis, { key: baseline.socketIoKey });
  const room = `echo:${CHANNEL}`;
  return {
    system: 'baseline',
    nodes: baseline.nodes,
    specs: clientsOver(
      baseline.nodes,
      Array.from({ length: size.subscribers }, () => ({ rooms: [room] })),
      { realEvery: size.realEvery },
    ),
    publish: (data) => emitter.to(room).emit(EVENT, CHANNEL, data),
    stop: () => baseline.stop(),
  };
}

export async function step(
  target: FanoutTarget,
  pool: AgentPool,
  size: Sizes,
  rate: number,
  durationMs: number,
  report: boolean,
): Promise<DeliveryStep> {
  let published = 0;
  const measured = await measureDeliveries(
    pool,
    target.nodes,
    async () => {
      const { fired, elapsedMs } = await paced(rate, durationMs, (i) =>
        target.publish({ t: now(), key: `b${i}`, n: i }),
      );
      published = fired;
      return elapsedMs;
    },
    () => published * size.subscribers,
  );
  const { stats, loss } = measured;
  const expected = published * size.subscribers;
  const lossRatio = expected > 0 ? loss / expected : 0;
  const pass =
    stats.delivery.p99 <= P99_LIMIT_MS &&
    lossRatio <= LOSS_LIMIT &&
    stats.duplicates === 0 &&
    stats.disconnects === 0;
  const result: DeliveryStep = {
    rate,
    pass,
    deliveriesPerS: measured.deliveriesPerS,
    p99: stats.delivery.p99,
    cpuUsPerDelivery: measured.cpuReport.cpu_us_per_delivery,
  };
  if (report) {
    printResult('fanout', {
      kind: 'step',
      system: target.system,
      nodes: target.nodes.length,
      subscribers: size.subscribers,
      rate,
      duration_s: round(measured.elapsedMs / 1000, 2),
      published,
      deliveries: stats.deliveries,
      deliveries_per_s: result.deliveriesPerS,
      loss,
      loss_ratio: round(lossRatio, 5),
      duplicates: stats.duplicates,
      disconnects: stats.disconnects,
      delivery_ms: stats.delivery,
      sample_delivery_ms: stats.sampleDelivery,
      ...measured.cpuReport,
      pass,
    });
  }
  return result;
}

function exercise(target: FanoutTarget, size: Sizes): Promise<DeliveryStep[]> {
  return withAgentPool(size.agents, async (pool) => {
    progress(`fanout: connecting ${target.specs.length} clients to ${target.system}`);
    // Subscriptions are confirmed by nothing on public channels: publish probes until all see one.
    await connectUntilProbed(
      pool,
      target.specs,
      () => target.publish({ probe: true }),
      'subscriber',
    );
    await step(target, pool, size, size.rates[0]!, size.warmupMs, false);
    return sweep(
      size.rates,
      (rate) => step(target, pool, size, rate, size.durationMs, true),
      (result) => !result.pass,
    );
  });
}

export async function run(options: ScenarioOptions): Promise<void> {
  const size = sizes(options.smoke);
  const { kelisim: ours, baseline: base } = await ourNodesThenBaseline('fanout', size, {
    ours: startOurs,
    baseline: startReference,
    exercise,
  });
  const best = (steps: DeliveryStep[]) => bestPassing(steps, (s) => s.deliveriesPerS);
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
