// The Go service's plain WebSocket (`/ws`) beside socket.io, on our two nodes in one run: the same
// users in the same chats connect over one transport, then the other (alternating, so drift in
// the machine's speed hits both), and receive the chat path's `new_message`, pushed into the chat
// rooms through the Redis emitter at a fixed rate (`fanout`), then send over their connection at a
// fixed rate (`db`: committed, pushed, acked). Reported per transport: node CPU per delivery and
// p99 delivery; the summary's `cpu_ratio` is /ws ÷ socket.io (the target: ≤ 1.1).
import { Emitter } from '@socket.io/redis-emitter';
import { withAgentPool } from '../client/agents.js';
import { printResult, progress } from '../report.js';
import { startSystem } from '../system.js';
import {
  connectAndProbe,
  slotsOf,
  step,
  type ChatTarget,
  type Sizes,
  type StepResult,
} from './chat.js';
import { numberFromEnv, ratio } from './common.js';
import { clientsOver } from './delivery-steps.js';
import type { ScenarioOptions } from './scenario.js';

type Transport = NonNullable<ChatTarget['transport']>;
const transports: Transport[] = ['socket.io', 'plain'];
const CPU_RATIO_TARGET = 1.1;

function sizes(smoke: boolean): Sizes & { sendRate: number; rounds: number } {
  if (smoke) {
    return {
      users: 20,
      chatSize: 10,
      rates: [],
      fanoutRate: 50,
      sendRate: 20,
      durationMs: 1_000,
      warmupMs: 0,
      agents: 1,
      realEvery: Number.MAX_SAFE_INTEGER,
      rounds: 1,
    };
  }
  return {
    users: numberFromEnv('BENCH_PLAIN_USERS', 1_000),
    chatSize: numberFromEnv('BENCH_CHAT_SIZE', 10),
    rates: [],
    fanoutRate: numberFromEnv('BENCH_CHAT_FANOUT_RATE', 2_000),
    sendRate: numberFromEnv('BENCH_PLAIN_SEND_RATE', 250),
    durationMs: numberFromEnv('BENCH_DURATION_S', 8) * 1000,
    warmupMs: 2_000,
    agents: numberFromEnv('BENCH_AGENTS', 2),
    realEvery: Number.MAX_SAFE_INTEGER,
    rounds: numberFromEnv('BENCH_PLAIN_ROUNDS', 2),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export async function run(options: ScenarioOptions): Promise<void> {
  const size = sizes(options.smoke);
  progress('plain-ws: starting our nodes');
  const sut = await startSystem({ label: 'plain_ws', nodes: 2 });
  const emitter = new Emitter(sut.redis, { key: sut.env.CHAT_SOCKET_IO_KEY });
  try {
    const { userIds, chats } = await sut.seed({ users: size.users, chatSize: size.chatSize });
    const target = (transport: Transport): ChatTarget => ({
      scenario: 'plain-ws',
      system: 'kelisim',
      transport,
      nodes: sut.nodes,
      specs: clientsOver(
        sut.nodes,
        userIds.map((userId) => ({ token: sut.tokenFor(userId) })),
        { transport },
      ),
      chats,
      slots: slotsOf(chats, userIds),
      emitter,
      stop: async () => {},
    });
    const results: Record<Transport, { fanout: StepResult[]; db: StepResult[] }> = {
      'socket.io': { fanout: [], db: [] },
      plain: { fanout: [], db: [] },
    };
    for (let round = 0; round < size.rounds; round++) {
      for (const transport of transports) {
        const chatTarget = target(transport);
        await withAgentPool(size.agents, async (pool) => {
          await connectAndProbe(chatTarget, pool);
          await step(chatTarget, pool, size, 'fanout', size.fanoutRate, size.warmupMs, false);
          results[transport].fanout.push(
            await step(chatTarget, pool, size, 'fanout', size.fanoutRate, size.durationMs, true),
          );
          results[transport].db.push(
            await step(chatTarget, pool, size, 'db', size.sendRate, size.durationMs, true),
          );
        });
        // The nodes finish the disconnects (presence) before the next transport is measured.
        await new Promise((resolve) => setTimeout(resolve, options.smoke ? 200 : 2_000));
      }
    }
    const cpu = (transport: Transport) =>
      median(results[transport].fanout.map((s) => s.cpuUsPerDelivery));
    const p99 = (transport: Transport) => median(results[transport].fanout.map((s) => s.p99));
    const cpuRatio = ratio(cpu('plain'), cpu('socket.io'));
    const allPassed = transports.every((t) =>
      [...results[t].fanout, ...results[t].db].every((s) => s.pass),
    );
    printResult('plain-ws', {
      kind: 'summary',
      nodes: sut.nodes.length,
      users: size.users,
      chat_size: size.chatSize,
      fanout_rate: size.fanoutRate,
      send_rate: size.sendRate,
      rounds: size.rounds,
      socket_io_cpu_us_per_delivery: cpu('socket.io'),
      plain_cpu_us_per_delivery: cpu('plain'),
      cpu_ratio: cpuRatio,
      cpu_ratio_target: CPU_RATIO_TARGET,
      socket_io_fanout_p99_ms: p99('socket.io'),
      plain_fanout_p99_ms: p99('plain'),
      plain_db_ack_p99_ms: median(results.plain.db.map((s) => s.ackP99)),
      socket_io_db_ack_p99_ms: median(results['socket.io'].db.map((s) => s.ackP99)),
      pass: allPassed && (options.smoke || (cpuRatio ?? Infinity) <= CPU_RATIO_TARGET),
    });
  } finally {
    progress('plain-ws: stopping our nodes');
    await sut.stop();
  }
}
