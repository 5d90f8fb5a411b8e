// The reconnect storm's clients, held by an agent (`agent.ts`): each follows one chat by seq over
// the real socket.io-client and, once its node is back, reconnects within the jitter window.
import { io } from 'socket.io-client';
import type { ChatClient } from '@kelisim/testing';
import { sleep } from '../proc.js';
import {
  mergeFollowerStats,
  type AckOf,
  type FollowerSpec,
  type FollowerStats,
} from './protocol.js';

/** A client that follows one chat by seq: live pushes in order, `sync` after connects and gaps. */
class FollowingClient {
  private have = 0;
  private synced = false;
  private resumedAt = 0;
  private connectErrorsBeforeReady = 0;
  private connectErrorsAfterReady = 0;
  private readonly connectErrorReasons: Record<string, number> = {};
  private syncCalls = 0;
  private syncErrors = 0;
  private live = 0;
  private readonly resumeLatenciesMs: number[] = [];
  private readonly ahead = new Set<number>();
  private readonly socket: ChatClient;
  private syncing = false;
  private attemptAt = 0;
  private stopped = false;

  constructor(
    url: string,
    private readonly spec: FollowerSpec,
    private readonly jitterMs: number,
    private readonly readyAt: () => number,
    private readonly restarted: Promise<void>,
  ) {
    this.socket = io(url, {
      auth: { token: spec.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    this.socket.on('connect', () => void this.resume());
    this.socket.on('connect_error', (error) => {
      if (this.readyAt() > 0 && Date.now() >= this.readyAt()) {
        this.connectErrorsAfterReady++;
        this.connectErrorReasons[error.message] =
          (this.connectErrorReasons[error.message] ?? 0) + 1;
      } else this.connectErrorsBeforeReady++;
      this.reconnectLater();
    });
    // The storm: once the node is back, every client reconnects within the jitter window.
    this.socket.on('disconnect', () => void this.restarted.then(() => this.reconnectLater()));
    this.socket.on('new_message', ({ message }) => {
      if (message.chat_id !== this.spec.chatId) return;
      this.live++;
      this.receive(message.seq);
      if (this.ahead.size > 0 && !this.syncing) void this.resume();
    });
  }

  connect(): void {
    this.attemptAt = Date.now();
    this.socket.connect();
  }

  close(): void {
    this.stopped = true;
    this.socket.close();
  }

  stats(): FollowerStats {
    return {
      followers: 1,
      synced: this.synced ? 1 : 0,
      resumedAt: [this.resumedAt],
      have: [[this.spec.chatId, this.have]],
      // The first resume is the initial connect, not a reconnect.
      resumeLatenciesMs: this.resumeLatenciesMs.slice(1),
      connectErrorsBeforeReady: this.connectErrorsBeforeReady,
      connectErrorsAfterReady: this.connectErrorsAfterReady,
      connectErrorReasons: this.connectErrorReasons,
      syncCalls: this.syncCalls,
      syncErrors: this.syncErrors,
      live: this.live,
    };
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (!this.stopped && !this.socket.connected) this.connect();
    }, Math.random() * this.jitterMs);
  }

  private receive(seq: number): void {
    if (seq <= this.have) return;
    this.ahead.add(seq);
    while (this.ahead.delete(this.have + 1)) this.have++;
  }

  /** `sync` from the last seq held until `has_more` is false (bounded pages and retries). */
  private async resume(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      for (let page = 0, failures = 0; page < 10_000 && failures < 20; page++) {
        if (!this.socket.connected) return;
        this.syncCalls++;
        try {
          const ack = (await this.socket.timeout(30_000).emitWithAck('sync', {
            chat_id: this.spec.chatId,
            after_seq: this.have,
            limit: 100,
          })) as AckOf<{ messages: { seq: number }[]; has_more: boolean }>;
          if (!ack.ok) throw new Error(ack.error.code);
          for (const message of ack.messages) this.receive(message.seq);
          if (!ack.has_more) {
            this.synced = true;
            this.resumedAt = Date.now();
            if (this.attemptAt > 0) this.resumeLatenciesMs.push(this.resumedAt - this.attemptAt);
            this.attemptAt = 0;
            return;
          }
        } catch {
          this.syncErrors++;
          failures++;
          await sleep(100 * failures);
        }
      }
    } finally {
      this.syncing = false;
    }
  }
}

/** The followers one agent holds, and when their node came back. */
export class Followers {
  private readonly followers: FollowingClient[] = [];
  private readyAt = 0;
  private markRestarted = () => {};
  private readonly restarted = new Promise<void>((resolve) => (this.markRestarted = resolve));

  /** Creates the followers and starts connecting them, without waiting for the connections. */
  follow(url: string, specs: FollowerSpec[], jitterMs: number): void {
    const added = specs.map(
      (spec) => new FollowingClient(url, spec, jitterMs, () => this.readyAt, this.restarted),
    );
    this.followers.push(...added);
    // Paced initial connects: a burst of thousands of handshakes is the storm, not the setup.
    void (async () => {
      for (let i = 0; i < added.length; i += 50) {
        for (const follower of added.slice(i, i + 50)) follower.connect();
        await sleep(50);
      }
    })();
  }

  /** Their node is ready again (epoch ms): every follower reconnects within its jitter window. */
  nodeReady(at: number): void {
    this.readyAt = at;
    this.markRestarted();
  }

  stats(): FollowerStats {
    return mergeFollowerStats(this.followers.map((follower) => follower.stats()));
  }

  close(): void {
    for (const follower of this.followers) follower.close();
    this.followers.length = 0;
  }
}
