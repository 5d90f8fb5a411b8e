import { sleep } from '../proc.js';
import { summarize } from '../report.js';
import type { BenchNode, SystemUnderTest } from '../system.js';
import { waitUntil } from './common.js';

/** Sends `rate` messages per second through one node, round robin over the chats (REST). */
export class RestSender {
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

  /** Stops sending and waits (30 s at most) for the answers still in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await waitUntil(() => this.inFlight === 0, 30_000, 250);
  }

  /** Stops sending and abandons the requests in flight. */
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
