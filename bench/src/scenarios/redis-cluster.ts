// Scenario: the same two nodes on one Redis server and on a Redis Cluster of three masters (a
// replica each), in one run; both are redis-server processes started here, used by nothing else. Both use the sharded
// adapter, so the topology is the only difference. Two loads:
// - Laravel fan-out: Laravel's PUBLISH on `<REDIS_PREFIX><channel>`, delivered by each node to its
//   subscribers (a Cluster forwards a PUBLISH to every node over its bus);
// - chat: messages sent over sockets, stored, and pushed through the adapter (one SPUBLISH per
//   message to the shard owning its room's channel).
// Each step also takes the Redis servers' CPU (masters and replicas, from /proc) and the publish
// commands the masters ran, per message and per delivery.
import { Redis } from 'ioredis';
import { startRedisClusterTopology, startRedisServer } from '@kelisim/testing';
import { withAgentPool } from '../client/agents.js';
import { processCpuSeconds } from '../proc.js';
import { printResult, progress, round } from '../report.js';
import { startSystem, type SystemUnderTest } from '../system.js';
import * as chat from './chat.js';
import { numberFromEnv, numbersFromEnv, ratio } from './common.js';
import { bestPassing, connectUntilProbed, type DeliveryStep } from './delivery-steps.js';
import * as fanout from './fanout.js';
import { roomEmitter } from './room-emitter.js';
import type { ScenarioOptions } from './scenario.js';

type Topology = 'single' | 'cluster';

interface RedisServers {
  /** Every server's process id (masters and replicas). */
  pids: number[];
  /** The masters' process ids (replicas only copy their writes). */
  masterPids: number[];
  /** Connections to the masters, for their command counts. */
  masters: Redis[];
  close(): Promise<void>;
}

interface RedisUsage {
  cpuSeconds: number;
  masterCpuSeconds: number;
  publishes: number;
}

interface TopologyStep extends DeliveryStep {
  messages: number;
  redisCpuUsPerDelivery: number;
  redisCpuUsPerMessage: number;
  masterCpuUsPerMessage: number;
  publishesPerMessage: number;
}

function sizes(smoke: boolean) {
  const fanoutSize = fanout.sizes(smoke);
  const chatRates = smoke
    ? [20]
    : numbersFromEnv('BENCH_REDIS_CHAT_RATES', [250, 500, 1_000, 1_500]);
  return {
    fanout: fanoutSize,
    chat: {
      ...fanoutSize,
      rates: chatRates,
      users: smoke ? 20 : numberFromEnv('BENCH_CHAT_USERS', 1_000),
      chatSize: smoke ? 10 : numberFromEnv('BENCH_CHAT_SIZE', 10),
      fanoutRate: 0,
    } satisfies chat.Sizes,
  };
}

async function usage(servers: RedisServers): Promise<RedisUsage> {
  const cpuOf = async (pids: number[]) =>
    (await Promise.all(pids.map((pid) => processCpuSeconds(pid)))).reduce((a, b) => a + b, 0);
  const stats = await Promise.all(servers.masters.map((master) => master.info('commandstats')));
  const calls = (info: string, command: string) =>
    Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    cpuSeconds: await cpuOf(servers.pids),
    masterCpuSeconds: await cpuOf(servers.masterPids),
    publishes: stats.reduce(
      (sum, info) => sum + calls(info, 'publish') + calls(info, 'spublish'),
      0,
    ),
  };
}

/** The processes behind `ports` (on loopback): their pids, and connections to the masters. */
async function serversOf(ports: number[]): Promise<RedisServers> {
  const connections = ports.map((port) => new Redis({ host: '127.0.0.1', port }));
  const roles = await Promise.all(connections.map((c) => c.info('replication')));
  const servers = await Promise.all(connections.map((c) => c.info('server')));
  const pids = servers.map((info) => Number(/^process_id:(\d+)/m.exec(info)?.[1]));
  if (pids.some((pid) => !pid)) throw new Error('a Redis server did not report its process_id');
  const isMaster = (i: number) => /^role:master/m.test(roles[i]!);
  return {
    pids,
    masterPids: pids.filter((_, i) => isMaster(i)),
    masters: connections.filter((_, i) => isMaster(i)),
    close: async () => {
      await Promise.all(connections.map((connection) => connection.quit()));
    },
  };
}

/**
 * Runs `measure` (a step of `durationMs`) and reads what the Redis servers did meanwhile, per
 * message and per delivery (`deliveriesPerMessage` of them each).
 */
async function withRedisUsage(
  servers: RedisServers,
  durationMs: number,
  deliveriesPerMessage: number,
  measure: () => Promise<DeliveryStep>,
): Promise<TopologyStep> {
  const before = await usage(servers);
  const step = await measure();
  const after = await usage(servers);
  const deliveries = Math.round((step.deliveriesPerS * durationMs) / 1000);
  const messages = Math.round(deliveries / deliveriesPerMessage);
  const cpuUs = (after.cpuSeconds - before.cpuSeconds) * 1e6;
  const per = (value: number, count: number, digits = 2) =>
    count > 0 ? round(value / count, digits) : 0;
  return {
    ...step,
    messages,
    redisCpuUsPerDelivery: per(cpuUs, deliveries),
    redisCpuUsPerMessage: per(cpuUs, messages),
    masterCpuUsPerMessage: per((after.masterCpuSeconds - before.masterCpuSeconds) * 1e6, messages),
    publishesPerMessage: per(after.publishes - before.publishes, messages, 3),
  };
}

function reportStep(topology: Topology, load: 'fanout' | 'chat', step: TopologyStep): void {
  printResult('redis-cluster', {
    kind: 'redis',
    topology,
    load,
    rate: step.rate,
    pass: step.pass,
    deliveries_per_s: step.deliveriesPerS,
    p99_ms: step.p99,
    messages: step.messages,
    redis_cpu_us_per_delivery: step.redisCpuUsPerDelivery,
    redis_cpu_us_per_message: step.redisCpuUsPerMessage,
    master_cpu_us_per_message: step.masterCpuUsPerMessage,
    publishes_per_message: step.publishesPerMessage,
  });
}

/** Sweeps the rates upward until a step fails; every step is reported with its Redis usage. */
async function sweepWithUsage(
  rates: number[],
  topology: Topology,
  load: 'fanout' | 'chat',
  measure: (rate: number) => Promise<TopologyStep>,
): Promise<TopologyStep[]> {
  const steps: TopologyStep[] = [];
  for (const rate of rates) {
    const step = await measure(rate);
    reportStep(topology, load, step);
    steps.push(step);
    if (!step.pass) break;
  }
  return steps;
}

async function onTopology(topology: Topology, size: ReturnType<typeof sizes>) {
  const deployment =
    topology === 'cluster'
      ? await startRedisClusterTopology()
      : await startRedisServer().then((server) => ({
          servers: [server],
          env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port) },
          close: () => server.kill(),
        }));
  const env: Record<string, string> = { CHAT_REDIS_ADAPTER: 'sharded', ...deployment.env };
  const servers = await serversOf(deployment.servers.map((server) => server.port));
  /** Warms up at the first rate, then sweeps upward, each step with the Redis usage it caused. */
  const sweepLoad = async (
    load: 'fanout' | 'chat',
    sweepSize: { rates: number[]; durationMs: number; warmupMs: number },
    deliveriesPerMessage: number,
    measure: (rate: number, durationMs: number, report: boolean) => Promise<DeliveryStep>,
  ) => {
    await measure(sweepSize.rates[0]!, sweepSize.warmupMs, false);
    return sweepWithUsage(sweepSize.rates, topology, load, (rate) =>
      withRedisUsage(servers, sweepSize.durationMs, deliveriesPerMessage, () =>
        measure(rate, sweepSize.durationMs, true),
      ),
    );
  };
  try {
    progress(`redis-cluster: Laravel fan-out on ${topology}`);
    const fanoutSteps = await measureOn(topology, env, 'fanout', async (sut) => {
      const target = await fanout.fanoutTarget(sut, size.fanout);
      return withAgentPool(size.fanout.agents, async (pool) => {
        await connectUntilProbed(pool, target.specs, () => target.publish({ probe: true }));
        return sweepLoad('fanout', size.fanout, size.fanout.subscribers, (rate, ms, report) =>
          fanout.step(target, pool, size.fanout, rate, ms, report),
        );
      });
    });
    progress(`redis-cluster: chat on ${topology}`);
    const chatSteps = await measureOn(topology, env, 'chat', async (sut) => {
      const { userIds, chats } = await sut.seed({
        users: size.chat.users,
        chatSize: size.chat.chatSize,
      });
      const emitter = roomEmitter(sut);
      try {
        const target = chat.chatTarget(
          size.chat,
          userIds,
          (userId) => ({ token: sut.tokenFor(userId) }),
          {
            system: 'kelisim',
            nodes: sut.nodes,
            chats,
            emitter: emitter.emitter,
            stop: async () => {},
          },
        );
        return await withAgentPool(size.chat.agents, async (pool) => {
          await chat.connectAndProbe(target, pool);
          return sweepLoad('chat', size.chat, size.chat.chatSize, (rate, ms, report) =>
            chat.step(target, pool, size.chat, 'db', rate, ms, report),
          );
        });
      } finally {
        await emitter.close();
      }
    });
    return { fanout: fanoutSteps, chat: chatSteps };
  } finally {
    await servers.close();
    await deployment.close();
  }
}

/** A fresh system of two nodes on the topology for one load, stopped afterwards. */
async function measureOn<R>(
  topology: Topology,
  env: Record<string, string>,
  load: string,
  measure: (sut: SystemUnderTest) => Promise<R>,
): Promise<R> {
  const sut = await startSystem({ label: `redis_${topology}_${load}`, nodes: 2, env });
  try {
    return await measure(sut);
  } finally {
    await sut.stop();
  }
}

export async function run(options: ScenarioOptions): Promise<void> {
  await runRedisCluster(options);
}

/** Measures both topologies and prints (and returns) a summary per load. */
export async function runRedisCluster(
  options: ScenarioOptions,
): Promise<Record<string, unknown>[]> {
  const size = sizes(options.smoke);
  const single = await onTopology('single', size);
  const cluster = await onTopology('cluster', size);
  const best = (steps: TopologyStep[]) => bestPassing(steps, (s) => s.deliveriesPerS);
  /** The highest rate both topologies sustained, where their Redis usage is compared. */
  const common = (a: TopologyStep[], b: TopologyStep[]) => {
    const rate = [...a]
      .reverse()
      .find((s) => s.pass && b.some((t) => t.rate === s.rate && t.pass))?.rate;
    const at = (steps: TopologyStep[]) => steps.find((s) => s.rate === (rate ?? steps[0]?.rate));
    return { rate: rate ?? null, single: at(a), cluster: at(b) };
  };
  const summaries: Record<string, unknown>[] = [];
  for (const load of ['fanout', 'chat'] as const) {
    const at = common(single[load], cluster[load]);
    const summary = {
      kind: 'summary',
      load,
      nodes: 2,
      masters: 3,
      deliveries_per_s_single: best(single[load]),
      deliveries_per_s_cluster: best(cluster[load]),
      cluster_ratio: ratio(best(cluster[load]), best(single[load])),
      compared_at_rate: at.rate,
      redis_cpu_us_per_delivery_single: at.single?.redisCpuUsPerDelivery ?? null,
      redis_cpu_us_per_delivery_cluster: at.cluster?.redisCpuUsPerDelivery ?? null,
      redis_cpu_us_per_message_single: at.single?.redisCpuUsPerMessage ?? null,
      redis_cpu_us_per_message_cluster: at.cluster?.redisCpuUsPerMessage ?? null,
      master_cpu_us_per_message_single: at.single?.masterCpuUsPerMessage ?? null,
      master_cpu_us_per_message_cluster: at.cluster?.masterCpuUsPerMessage ?? null,
      publishes_per_message_single: at.single?.publishesPerMessage ?? null,
      publishes_per_message_cluster: at.cluster?.publishesPerMessage ?? null,
    };
    printResult('redis-cluster', summary);
    summaries.push(summary);
  }
  return summaries;
}
