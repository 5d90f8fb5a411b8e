// A load generator process (forked by `agents.ts`): holds many client connections, sends at a
// given rate, and records what arrives; or holds the reconnect storm's followers. Driven by its
// parent over IPC.
import { io, type Socket } from 'socket.io-client';
import { Histogram } from '../report.js';
import { Followers } from './follower.js';
import { LeanSocket } from './lean.js';
import { PlainSocket } from './plain.js';
import {
  now,
  stampContent,
  type AgentReply,
  type AgentRequest,
  type AgentStats,
  type ClientSpec,
  type ConnectReply,
  type SendReply,
  type SendSlot,
} from './protocol.js';

interface Client {
  emit(name: string, ...args: unknown[]): void;
  emitWithAck(name: string, payload: unknown, onAck: (args: unknown[]) => void): void;
  close(): void;
  real: boolean;
  /** Keys of stamped events received since the last reset: duplicates are caught per client. */
  seen: Set<string>;
  probed: boolean;
}

/** Sparse where a connection failed. */
const clients: (Client | undefined)[] = [];
let delivery = new Histogram();
let sampleDelivery = new Histogram();
let ack = new Histogram();
const noCounts = () => ({
  deliveries: 0,
  duplicates: 0,
  disconnects: 0,
  sent: 0,
  acked: 0,
  ackErrors: 0,
});
let counters = noCounts();
let firstAckError: string | undefined;
let cpuAtReset = process.cpuUsage();
let sendSequence = 0;
const followers = new Followers();

/** The stamp of a received event: our `new_message` content, or a `{t, key}` payload. */
function stampOf(name: string, args: unknown[]): { t: number; key: string } | 'probe' | undefined {
  if (name === 'new_message') {
    const message = (args[0] as { message?: { content?: unknown } } | undefined)?.message;
    const content = typeof message?.content === 'string' ? message.content : '';
    if (content === 'probe') return 'probe';
    if (!content.startsWith('bench|')) return undefined;
    const second = content.indexOf('|', 6);
    return { t: Number(content.slice(6, second)), key: content.slice(second + 1) };
  }
  const data = args[args.length - 1] as { t?: unknown; key?: unknown; probe?: unknown } | undefined;
  if (!data || typeof data !== 'object') return undefined;
  if (data.probe) return 'probe';
  if (typeof data.t !== 'number') return undefined;
  return { t: data.t, key: String(data.key) };
}

function onEvent(client: Client, name: string, args: unknown[]): void {
  const stamp = stampOf(name, args);
  if (stamp === undefined) return;
  if (stamp === 'probe') {
    client.probed = true;
    return;
  }
  if (client.seen.has(stamp.key)) {
    counters.duplicates++;
    return;
  }
  client.seen.add(stamp.key);
  counters.deliveries++;
  const latency = now() - stamp.t;
  delivery.record(latency);
  if (client.real) sampleDelivery.record(latency);
}

function openClient(spec: ClientSpec, localAddress: string | undefined): Promise<Client> {
  const client: Client = {
    emit: () => undefined,
    emitWithAck: () => undefined,
    close: () => undefined,
    real: spec.real === true,
    seen: new Set(),
    probed: false,
  };
  const onDisconnect = () => counters.disconnects++;
  if (spec.real) {
    const socket: Socket = io(spec.url, {
      auth: spec.auth,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.onAny((name: string, ...args: unknown[]) => onEvent(client, name, args));
    client.emit = (name, ...args) => void socket.emit(name, ...args);
    client.emitWithAck = (name, payload, onAck) =>
      void socket.emit(name, payload, (...args: unknown[]) => onAck(args));
    client.close = () => void socket.close();
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.on('disconnect', onDisconnect);
        resolve(client);
      });
      socket.once('connect_error', (error) => {
        socket.close();
        reject(error);
      });
    });
  }
  let connected = false;
  const socketOptions = {
    localAddress,
    onClose: () => {
      if (connected) onDisconnect();
    },
  };
  const deliver = (name: string, args: unknown[]) => onEvent(client, name, args);
  const socket =
    spec.transport === 'plain'
      ? new PlainSocket(spec.url, String(spec.auth?.token), deliver, socketOptions)
      : new LeanSocket(spec.url, spec.auth, deliver, socketOptions);
  client.emit = (name, payload) => socket.emit(name, payload as object);
  client.emitWithAck = (name, payload, onAck) => socket.emitWithAck(name, payload as object, onAck);
  client.close = () => socket.close();
  return socket.connected.then(() => {
    connected = true;
    return client;
  });
}

async function connect(request: Extract<AgentRequest, { type: 'connect' }>): Promise<ConnectReply> {
  const started = now();
  // Clients keep the order of `request.clients` (the parent addresses them by index), after any
  // connected earlier.
  const offset = clients.length;
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lane = async () => {
    while (next < request.clients.length) {
      const index = next++;
      const spec = request.clients[index]!;
      try {
        const client = await openClient(spec, request.localAddress);
        for (const channel of spec.subscribe ?? []) client.emit('subscribe', { channel });
        clients[offset + index] = client;
        connected++;
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency) }, lane));
  return { connected, failed, firstError, elapsedMs: now() - started };
}

/** Sends at `rate` per second for `durationMs`, in 5 ms ticks, rotating through `slots`. */
function send(request: Extract<AgentRequest, { type: 'send' }>): Promise<SendReply> {
  const { slots, rate, durationMs } = request;
  const started = now();
  let sent = 0;
  let slotIndex = 0;
  const total = Math.round((rate * durationMs) / 1000);
  const sendOne = (slot: SendSlot) => {
    const client = clients[slot.client];
    if (!client) return;
    const t = now();
    const key = `${process.pid}.${sendSequence++}`;
    counters.sent++;
    client.emitWithAck(
      'send_message',
      { chat_id: slot.chatId, content: stampContent(t, key), temp_id: key },
      (args) => {
        const reply = args[0] as { ok?: boolean; error?: { code?: string } } | undefined;
        if (reply?.ok) {
          counters.acked++;
          ack.record(now() - t);
        } else {
          counters.ackErrors++;
          firstAckError ??= JSON.stringify(reply ?? args).slice(0, 300);
        }
      },
    );
  };
  return new Promise((resolve) => {
    if (slots.length === 0 || total === 0) return resolve({ sent: 0, elapsedMs: 0 });
    const timer = setInterval(() => {
      const elapsed = now() - started;
      const due = Math.min(total, Math.floor((rate * elapsed) / 1000));
      while (sent < due) {
        sendOne(slots[slotIndex]!);
        slotIndex = (slotIndex + 1) % slots.length;
        sent++;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve({ sent, elapsedMs: now() - started });
      }
    }, 5);
  });
}

function reset(): void {
  delivery = new Histogram();
  sampleDelivery = new Histogram();
  ack = new Histogram();
  counters = noCounts();
  firstAckError = undefined;
  for (const client of clients) {
    if (!client) continue;
    client.seen.clear();
    client.probed = false;
  }
  cpuAtReset = process.cpuUsage();
}

function stats(): AgentStats {
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    ...counters,
    firstAckError,
    probed: clients.filter((client) => client?.probed).length,
    connected: clients.filter(Boolean).length,
    delivery: delivery.toData(),
    sampleDelivery: sampleDelivery.toData(),
    ack: ack.toData(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

async function handle(request: AgentRequest): Promise<unknown> {
  switch (request.type) {
    case 'connect':
      return connect(request);
    case 'send':
      return send(request);
    case 'reset':
      return reset();
    case 'stats':
      return stats();
    case 'follow':
      return followers.follow(request.url, request.followers, request.jitterMs);
    case 'node-ready':
      return followers.nodeReady(request.at);
    case 'follower-stats':
      return followers.stats();
    case 'close':
      for (const client of clients) client?.close();
      followers.close();
      clients.length = 0;
      setTimeout(() => process.exit(0), 50);
      return undefined;
  }
}

process.on('message', (message: { id: number; request: AgentRequest }) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, result } satisfies AgentReply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies AgentReply),
  );
});
process.on('disconnect', () => process.exit(0));
