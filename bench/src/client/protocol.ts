import type { HistogramData } from '../report.js';

/** One simulated user: where it connects, how it authenticates, what it listens to. */
export interface ClientSpec {
  url: string;
  /** The socket.io handshake `auth` (`{token}` for our server, `{rooms}` for the baseline). */
  auth?: Record<string, unknown>;
  /** Laravel Echo channels to `subscribe` to once connected. */
  subscribe?: string[];
  /** Use the real socket.io-client for this one (a sample that checks the lean client). */
  real?: boolean;
  /** `plain`: the Go service's WebSocket at `/ws` with `auth.token`, instead of socket.io. */
  transport?: 'socket.io' | 'plain';
}

/** What a sender emits: `send_message {chat_id, content, temp_id}` from local client `client`. */
export interface SendSlot {
  client: number;
  chatId: number;
}

export type AgentRequest =
  | {
      type: 'connect';
      clients: ClientSpec[];
      /** Handshakes in flight at once. */
      concurrency: number;
      /** Source address for this agent's connections (127.0.0.x), spreading ephemeral ports. */
      localAddress?: string;
    }
  | {
      type: 'send';
      slots: SendSlot[];
      /** Sends per second from this agent, spread over `slots` in turn. */
      rate: number;
      durationMs: number;
    }
  | { type: 'reset' }
  | { type: 'stats' }
  | {
      type: 'follow';
      url: string;
      followers: FollowerSpec[];
      /** Each follower reconnects at a uniformly random moment within this window. */
      jitterMs: number;
    }
  /** The followers' node is back (ready at `at`, epoch ms): the storm of reconnects begins. */
  | { type: 'node-ready'; at: number }
  | { type: 'follower-stats' }
  | { type: 'close' };

export interface ConnectReply {
  connected: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
}

export interface SendReply {
  sent: number;
  elapsedMs: number;
}

/** What an agent counts since the last reset; the pool adds up its agents' counts. */
export interface AgentCounts {
  /** Stamped events received (probes excluded), each counted once per client. */
  deliveries: number;
  duplicates: number;
  /** Connections that received at least one probe since the last reset. */
  probed: number;
  connected: number;
  disconnects: number;
  sent: number;
  acked: number;
  ackErrors: number;
}

export interface AgentStats extends AgentCounts {
  firstAckError?: string;
  /** Delivery latency (sender's stamp → receipt), every client. */
  delivery: HistogramData;
  /** Delivery latency seen by the real socket.io-client sample only. */
  sampleDelivery: HistogramData;
  /** Send → ack round trip. */
  ack: HistogramData;
  /** CPU seconds this agent used since the last reset. */
  cpuSeconds: number;
}

/** A client of the reconnect storm: the real socket.io-client, following one chat by seq. */
export interface FollowerSpec {
  userId: number;
  chatId: number;
  token: string;
}

/** The followers' state: per follower in `resumedAt` and `have`, summed over them otherwise. */
export interface FollowerStats {
  followers: number;
  /** Followers that have caught up with their chat at least once. */
  synced: number;
  /** Per follower: when it last finished resuming (epoch ms), 0 if never. */
  resumedAt: number[];
  /** Per follower: its chat and the highest seq it holds without a gap. */
  have: [chatId: number, seq: number][];
  /** Connect → caught up, for every resume after the first connect. */
  resumeLatenciesMs: number[];
  connectErrorsBeforeReady: number;
  connectErrorsAfterReady: number;
  connectErrorReasons: Record<string, number>;
  syncCalls: number;
  syncErrors: number;
  /** `new_message` events of their chats received live. */
  live: number;
}

/** An event's acknowledgement (the contract's `Ack`), as far as the bench reads it. */
export type AckOf<T extends object> = ({ ok: true } & T) | { ok: false; error: { code: string } };

export type AgentReply = { id: number; error?: string; result?: unknown };

/** The stamp a sender puts into what it sends: `bench|<ms since epoch>|<unique key>`. */
export function stampContent(t: number, key: string): string {
  return `bench|${t.toFixed(3)}|${key}`;
}

export const now = () => performance.timeOrigin + performance.now();

/** Adds up followers' (or agents') stats: the per-follower lists joined, the counts summed. */
export function mergeFollowerStats(all: FollowerStats[]): FollowerStats {
  const sum = (pick: (stats: FollowerStats) => number) =>
    all.reduce((total, stats) => total + pick(stats), 0);
  const connectErrorReasons: Record<string, number> = {};
  for (const stats of all) {
    for (const [reason, count] of Object.entries(stats.connectErrorReasons)) {
      connectErrorReasons[reason] = (connectErrorReasons[reason] ?? 0) + count;
    }
  }
  return {
    followers: sum((stats) => stats.followers),
    synced: sum((stats) => stats.synced),
    resumedAt: all.flatMap((stats) => stats.resumedAt),
    have: all.flatMap((stats) => stats.have),
    resumeLatenciesMs: all.flatMap((stats) => stats.resumeLatenciesMs),
    connectErrorsBeforeReady: sum((stats) => stats.connectErrorsBeforeReady),
    connectErrorsAfterReady: sum((stats) => stats.connectErrorsAfterReady),
    connectErrorReasons,
    syncCalls: sum((stats) => stats.syncCalls),
    syncErrors: sum((stats) => stats.syncErrors),
    live: sum((stats) => stats.live),
  };
}
