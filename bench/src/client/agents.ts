import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Histogram, type LatencySummary } from '../report.js';
import type {
  AgentReply,
  AgentRequest,
  AgentStats,
  ClientSpec,
  ConnectReply,
  SendReply,
  SendSlot,
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

export interface AggregateStats {
  deliveries: number;
  duplicates: number;
  probed: number;
  connected: number;
  disconnects: number;
  sent: number;
  acked: number;
  ackErrors: number;
  firstAckError?: string;
  delivery: LatencySummary;
  sampleDelivery: LatencySummary;
  ack: LatencySummary;
  /** CPU seconds the load generator processes used since the reset. */
  generatorCpuSeconds: number;
}

/**
 * Load generator processes holding the clients: client `i` of `connect(specs)` lives in agent
 * `i % count`, so every agent gets a share of every kind of client.
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

  /** Connects `specs` (in order; see `locate`), `concurrency` handshakes in flight per agent. */
  async connect(specs: ClientSpec[], concurrency = 100): Promise<ConnectReply> {
    const replies = await Promise.all(
      this.agents.map((agent, a) =>
        agent.request<ConnectReply>({
          type: 'connect',
          clients: specs.filter((_, i) => i % this.agents.length === a),
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
