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

export interface AgentStats {
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

export type AgentReply = { id: number; error?: string; result?: unknown };

/** The stamp a sender puts into what it sends: `bench|<ms since epoch>|<unique key>`. */
export function stampContent(t: number, key: string): string {
  return `bench|${t.toFixed(3)}|${key}`;
}

export const now = () => performance.timeOrigin + performance.now();
