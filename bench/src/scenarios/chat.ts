// Scenario 1, the chat path: U users in chats of C over 2 nodes. Two loads, on our nodes and on
// the bare socket.io baseline in the same run:
// - `fanout`: `new_message` pushed into the chat rooms through the Redis emitter (what the API
//   and worker do), no database: the delivery path alone, at a fixed rate;
// - `db`: every user sends `send_message` over its socket in turn (ours: committed to MariaDB,
//   then pushed and acked; the baseline: pushed and acked), swept up in rate until p99 delivery
//   exceeds 100 ms or something is lost.
// Delivery latency runs from the sender's time stamp (in the content) to the receipt, so on the
// db path it includes the commit: it bounds commit → delivery from above.
import { Emitter } from '@socket.io/redis-emitter';
import { withAgentPool, type AgentPool } from '../client/agents.js';
import { now, stampContent, type ClientSpec, type SendSlot } from '../client/protocol.js';
import { startBaseline } from '../baseline/system.js';
import { printResult, progress, round } from '../report.js';
import type { BenchNode } from '../system.js';
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
import type { RoomEmitter } from './room-emitter.js';

const P99_LIMIT_MS = 100;
/** The targets' fixed rates: p99 at 500 sends/s, acks at 1 000/s. */
const ACK_RATE = 1_000;

export interface ChatTarget {
  /** The scenario its results are reported under. */
  scenario: string;
  system: 'kelisim' | 'baseline';
  /** How the clients connect, when not all by socket.io (the `plain-ws` scenario). */
  transport?: 'socket.io' | 'plain';
  nodes: BenchNode[];
  specs: ClientSpec[];
  chats: { id: number; memberIds: number[] }[];
  /** Sender slots as global client indexes: every member of every chat. */
  slots: SendSlot[];
  emitter: RoomEmitter;
  stop(): Promise<void>;
}

export interface Sizes extends SweepSizes {
  users: number;
  chatSize: number;
  fanoutRate: number;
}

function sizes(smoke: boolean): Sizes {
  const sweep = sweepSizes(smoke, [
    'BENCH_CHAT_RATES',
    [100, 250, 500, 1_000, 1_500, 2_000, 3_000],
  ]);
  if (smoke) return { ...sweep, users: 20, chatSize: 10, fanoutRate: 50 };
  return {
    ...sweep,
    users: numberFromEnv('BENCH_CHAT_USERS', 1_000),
    chatSize: numberFromEnv('BENCH_CHAT_SIZE', 10),
    fanoutRate: numberFromEnv('BENCH_CHAT_FANOUT_RATE', 2_000),
  };
}

/** Every member of every chat as a sender, client `i` being user `userIds[i]`. */
export function slotsOf(chats: ChatTarget['chats'], userIds: number[]): SendSlot[] {
  const indexOf = new Map(userIds.map((id, index) => [id, index]));
  // Round-robin over chats first, so consecutive sends go to different chats.
  const slots: SendSlot[] = [];
  const chatSize = chats[0]?.memberIds.length ?? 0;
  for (let member = 0; member < chatSize; member++) {
    for (const chat of chats)
      slots.push({ client: indexOf.get(chat.memberIds[member]!)!, chatId: chat.id });
  }
  return slots;
}

/** The chat scenario's target: user `userIds[i]` is client `i`, the clients spread over the nodes. */
export function chatTarget(
  size: Sizes,
  userIds: number[],
  authOf: (userId: number) => Record<string, unknown>,
  parts: Pick<ChatTarget, 'system' | 'nodes' | 'chats' | 'emitter' | 'stop'>,
): ChatTarget {
  return {
    scenario: 'chat',
    ...parts,
    specs: clientsOver(parts.nodes, userIds.map(authOf), { realEvery: size.realEvery }),
    slots: slotsOf(parts.chats, userIds),
  };
}

function startOurs(size: Sizes): Promise<ChatTarget> {
  return startOurSystem({ label: 'chat', nodes: 2 }, async (sut) => {
    const { userIds, chats } = await sut.seed({ users: size.users, chatSize: size.chatSize });
    return chatTarget(size, userIds, (userId) => ({ token: sut.tokenFor(userId) }), {
      system: 'kelisim',
      nodes: sut.nodes,
      chats,
      emitter: new Emitter(sut.redis, { key: sut.env.CHAT_SOCKET_IO_KEY }),
      stop: () => sut.stop(),
    });
  });
}

async function startReference(size: Sizes): Promise<ChatTarget> {
  const baseline = await startBaseline({ nodes: 2 });
  const userIds = Array.from({ length: size.users }, (_, i) => i + 1);
  const chats: ChatTarget['chats'] = [];
  for (let start = 0; start + size.chatSize <= userIds.length; start += size.chatSize) {
    chats.push({ id: chats.length + 1, memberIds: userIds.slice(start, start + size.chatSize) });
  }
  const chatOf = new Map(chats.flatMap((chat) => chat.memberIds.map((id) => [id, chat.id])));
  const roomsOf = (userId: number) => (chatOf.has(userId) ? [`chat:${chatOf.get(userId)}`] : []);
  return chatTarget(size, userIds, (userId) => ({ rooms: roomsOf(userId) }), {
    system: 'baseline',
    nodes: baseline.nodes,
    chats,
    emitter: new Emitter(baseline.redis, { key: baseline.socketIoKey }),
    stop: () => baseline.stop(),
  });
}

/** A `new_message` as our server pushes it, with the stamp (or `probe`) as its content. */
export function pushedMessage(chatId: number, seq: number, content: string) {
  return {
    message: {
      id: seq,
      chat_id: chatId,
      seq,
      sender: { id: 1, name: 'Bench' },
      type: 'text',
      content,
      temp_id: null,
      reply_to_id: null,
      file: null,
      created_at: new Date().toISOString(),
      deleted_at: null,
    },
  };
}

export interface StepResult extends DeliveryStep {
  ackP99: number;
}

export async function step(
  target: ChatTarget,
  pool: AgentPool,
  size: Sizes,
  path: 'db' | 'fanout',
  rate: number,
  durationMs: number,
  report: boolean,
): Promise<StepResult> {
  const chatSize = size.chatSize;
  let emitted = 0;
  const measured = await measureDeliveries(
    pool,
    target.nodes,
    async () => {
      if (path === 'db') return (await pool.send(target.slots, rate, durationMs)).elapsedMs;
      const result = await paced(rate, durationMs, (i) => {
        const chat = target.chats[i % target.chats.length]!;
        const t = now();
        target.emitter
          .to(`chat:${chat.id}`)
          .emit('new_message', pushedMessage(chat.id, i + 1, stampContent(t, `f${i}`)));
      });
      emitted = result.fired;
      return result.elapsedMs;
    },
    (stats) => (path === 'fanout' ? emitted : stats.acked) * chatSize,
  );
  const { stats, loss } = measured;
  const sent = path === 'fanout' ? emitted : stats.sent;
  const unacked = path === 'db' ? stats.sent - stats.acked - stats.ackErrors : 0;
  const pass =
    stats.delivery.p99 <= P99_LIMIT_MS &&
    loss === 0 &&
    stats.duplicates === 0 &&
    stats.ackErrors === 0 &&
    unacked === 0 &&
    stats.disconnects === 0;
  const result: StepResult = {
    pass,
    rate,
    deliveriesPerS: measured.deliveriesPerS,
    p99: stats.delivery.p99,
    ackP99: stats.ack.p99,
    cpuUsPerDelivery: measured.cpuReport.cpu_us_per_delivery,
  };
  if (report) {
    printResult(target.scenario, {
      kind: 'step',
      system: target.system,
      ...(target.transport ? { transport: target.transport } : {}),
      path,
      nodes: target.nodes.length,
      users: size.users,
      chat_size: chatSize,
      rate,
      duration_s: round(measured.elapsedMs / 1000, 2),
      sent,
      acked: path === 'db' ? stats.acked : null,
      ack_errors: stats.ackErrors,
      unacked,
      first_ack_error: stats.firstAckError ?? null,
      deliveries: stats.deliveries,
      deliveries_per_s: result.deliveriesPerS,
      loss,
      duplicates: stats.duplicates,
      disconnects: stats.disconnects,
      delivery_ms: stats.delivery,
      ack_ms: path === 'db' ? stats.ack : null,
      sample_delivery_ms: stats.sampleDelivery,
      ...measured.cpuReport,
      pass,
    });
  }
  return result;
}

interface TargetResults {
  fanout: StepResult;
  steps: StepResult[];
}

/** Connects the target's clients, then pushes probes until every one is in its chat room. */
export async function connectAndProbe(target: ChatTarget, pool: AgentPool) {
  progress(
    `${target.scenario}: connecting ${target.specs.length} ${target.transport ?? ''} clients to ${target.system}`,
  );
  let probe = 0;
  await connectUntilProbed(pool, target.specs, () => {
    for (const chat of target.chats) {
      target.emitter
        .to(`chat:${chat.id}`)
        .emit('new_message', pushedMessage(chat.id, ++probe, 'probe'));
    }
  });
}

function exercise(target: ChatTarget, size: Sizes): Promise<TargetResults> {
  return withAgentPool(size.agents, async (pool) => {
    await connectAndProbe(target, pool);

    await step(target, pool, size, 'fanout', size.fanoutRate, size.warmupMs, false);
    const fanout = await step(target, pool, size, 'fanout', size.fanoutRate, size.durationMs, true);
    await step(target, pool, size, 'db', size.rates[0]!, size.warmupMs, false);
    // The rates the targets name (500 and 1 000 sends/s) are always measured; above them the
    // sweep stops at the first rate that fails.
    const steps = await sweep(
      size.rates,
      (rate) => step(target, pool, size, 'db', rate, size.durationMs, true),
      (result) => !result.pass && result.rate >= ACK_RATE,
    );
    return { fanout, steps };
  });
}

export async function run(options: ScenarioOptions): Promise<void> {
  const size = sizes(options.smoke);
  const { kelisim: ours, baseline: base } = await ourNodesThenBaseline('chat', size, {
    ours: startOurs,
    baseline: startReference,
    exercise,
  });
  // The highest rate that kept p99 ≤ 100 ms with nothing lost (a noisy lower step does not hide it).
  const best = (steps: StepResult[]) => bestPassing(steps, (s) => s.rate);
  const at = (steps: StepResult[], rate: number) => steps.find((s) => s.rate === rate) ?? null;
  const ackRate = size.rates.includes(ACK_RATE) ? ACK_RATE : size.rates[0]!;
  const oursAck = at(ours.steps, ackRate);
  const baseAck = at(base.steps, ackRate);
  const at500 = at(ours.steps, 500);
  printResult('chat', {
    kind: 'summary',
    nodes: 2,
    users: size.users,
    chat_size: size.chatSize,
    best_rate: best(ours.steps),
    baseline_best_rate: best(base.steps),
    best_rate_ratio: ratio(best(ours.steps), best(base.steps)),
    rate_limit_reached: ours.steps.every((s) => s.pass),
    db_p99_ms_at_500: at500?.p99 ?? null,
    ack_rate: ackRate,
    ack_p99_ms: oursAck?.ackP99 ?? null,
    baseline_ack_p99_ms: baseAck?.ackP99 ?? null,
    ack_p99_ratio: oursAck && baseAck ? ratio(oursAck.ackP99, baseAck.ackP99) : null,
    fanout_rate: size.fanoutRate,
    fanout_deliveries_per_s: ours.fanout.deliveriesPerS,
    fanout_p99_ms: ours.fanout.p99,
    baseline_fanout_p99_ms: base.fanout.p99,
    fanout_cpu_us_per_delivery: ours.fanout.cpuUsPerDelivery,
    baseline_fanout_cpu_us_per_delivery: base.fanout.cpuUsPerDelivery,
    fanout_cpu_ratio: ratio(ours.fanout.cpuUsPerDelivery, base.fanout.cpuUsPerDelivery),
    pass: ours.fanout.pass && ours.steps[0]?.pass === true,
  });
}
