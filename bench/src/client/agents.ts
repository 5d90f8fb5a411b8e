import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Histogram, type LatencySummary } from '../report.js';
import {
  mergeFollowerStats,
  type AgentCounts,
  type AgentReply,
  type AgentRequest,
  type AgentStats,
  type ClientSpec,
  type ConnectReply,
  type FollowerSpec,
  type FollowerStats,
  type SendReply,
  type SendSlot,
} from './protocol.js';

const agentScript = fileURLToPath(new URL('./agent.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

class Agent {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: AgentReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.result);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        for (const waiter of this.pending.values()) waiter.reject(new Error('agent exited'));
        this.pending.clear();
        resolve();
      }),
    );
  }

  request<T>(request: AgentRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject });
      this.child.send({ id, request });
    });
  }
}

export interface AggregateStats extends AgentCounts {
  firstAckError?: string;
  delivery: LatencySummary;
  sampleDelivery: LatencySummary;
  ack: LatencySummary;
  /** CPU seconds the load generator processes used since the reset. */
  generatorCpuSeconds: number;
}

/**
 * Load generator processes holding the clients: client `i` of `connect(specs)` (or follower `i`
 * of `follow`) lives in agent `i % count`, so every agent gets a share of every kind of client.
 */
export class AgentPool {
  private constructor(private readonly agents: Agent[]) {}

  static start(count: number): AgentPool {
    const agents = Array.from(
      { length: count },
      () =>
        new Agent(
          fork(agentScript, [], {
            execArgv: ['--import', tsx],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          }),
        ),
    );
    return new AgentPool(agents);
  }

  get size(): number {
    return this.agents.length;
  }

  /** Where global client `index` lives: its agent and its index there. */
  locate(index: number): { agent: number; local: number } {
    return { agent: index % this.agents.length, local: Math.floor(index / this.agents.length) };
  }

  /** Agent `agent`'s share of `items` (see `locate`). */
  private shareOf<T>(items: T[], agent: number): T[] {
    return items.filter((_, i) => i % this.agents.length === agent);
  }

  /** Connects `specs` (in order; see `locate`), `concurrency` handshakes in flight per agent. */
  async connect(specs: ClientSpec[], concurrency = 100): Promise<ConnectReply> {
    const replies = await Promise.all(
      this.agents.map((agent, a) =>
        agent.request<ConnectReply>({
          type: 'connect',
          clients: this.shareOf(specs, a),
          concurrency,
          localAddress: `127.0.0.${2 + a}`,
        }),
      ),
    );
    return {
      connected: replies.reduce((sum, reply) => sum + reply.connected, 0),
      failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
      firstError: replies.find((reply) => reply.firstError)?.firstError,
      elapsedMs: Math.max(...replies.map((reply) => reply.elapsedMs)),
    };
  }

  /**
   * `rate` sends per second in total for `durationMs`, from global client slots in turn (each
   * agent sends from the slots of its own clients, at its share of the rate).
   */
  async send(slots: SendSlot[], rate: number, durationMs: number): Promise<SendReply> {
    const perAgent = this.agents.map(() => [] as SendSlot[]);
    for (const slot of slots) {
      const { agent, local } = this.locate(slot.client);
      perAgent[agent]!.push({ client: local, chatId: slot.chatId });
    }
    const replies = await Promise.all(
      this.agents.map((agent, a) =>
        agent.request<SendReply>({
          type: 'send',
          slots: perAgent[a]!,
          rate: (rate * perAgent[a]!.length) / Math.max(1, slots.length),
          durationMs,
        }),
      ),
    );
    return {
      sent: replies.reduce((sum, reply) => sum + reply.sent, 0),
      elapsedMs: Math.max(...replies.map((reply) => reply.elapsedMs)),
    };
  }

  async reset(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.request({ type: 'reset' })));
  }

  async stats(): Promise<AggregateStats> {
    const all = await Promise.all(
      this.agents.map((agent) => agent.request<AgentStats>({ type: 'stats' })),
    );
    const delivery = new Histogram();
    const sampleDelivery = new Histogram();
    const ack = new Histogram();
    const sum = (key: keyof AgentStats) => all.reduce((total, s) => total + Number(s[key]), 0);
    for (const stats of all) {
      delivery.merge(stats.delivery);
      sampleDelivery.merge(stats.sampleDelivery);
      ack.merge(stats.ack);
    }
    return {
      deliveries: sum('deliveries'),
      duplicates: sum('duplicates'),
      probed: sum('probed'),
      connected: sum('connected'),
      disconnects: sum('disconnects'),
      sent: sum('sent'),
      acked: sum('acked'),
      ackErrors: sum('ackErrors'),
      firstAckError: all.find((stats) => stats.firstAckError)?.firstAckError,
      delivery: delivery.summary(),
      sampleDelivery: sampleDelivery.summary(),
      ack: ack.summary(),
      generatorCpuSeconds: sum('cpuSeconds'),
    };
  }

  /**
   * Starts the reconnect storm's followers of `url` (see `follower.ts`), 50 connects every 50 ms
   * per agent; resolves once they are created, not connected (watch `followerStats`).
   */
  async follow(url: string, followers: FollowerSpec[], jitterMs: number): Promise<void> {
    await Promise.all(
      this.agents.map((agent, a) =>
        agent.request({ type: 'follow', url, followers: this.shareOf(followers, a), jitterMs }),
      ),
    );
  }

  /** The followers' node is ready again since `at` (epoch ms): they reconnect within the jitter. */
  async nodeReady(at: number): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.request({ type: 'node-ready', at })));
  }

  async followerStats(): Promise<FollowerStats> {
    return mergeFollowerStats(
      await Promise.all(
        this.agents.map((agent) => agent.request<FollowerStats>({ type: 'follower-stats' })),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(
      this.agents.map(async (agent) => {
        await agent.request({ type: 'close' }).catch(() => undefined);
        const timer = setTimeout(() => agent.child.kill('SIGKILL'), 5_000);
        await agent.exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Starts `count` agents, lends them to `work`, and closes them however `work` ends. */
export async function withAgentPool<T>(
  count: number,
  work: (pool: AgentPool) => Promise<T>,
): Promise<T> {
  const pool = AgentPool.start(count);
  try {
    return await work(pool);
  } finally {
    await pool.close();
  }
}
