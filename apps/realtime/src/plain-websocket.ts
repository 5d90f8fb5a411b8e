import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { bearerToken } from '@kelisim/auth';
import {
  AppError,
  errorStatus,
  PLAIN_WS_PATH,
  plainClientFrame,
  plainCloseCodes,
  type ErrorBody,
  type PlainAckId,
  type PlainServerFrame,
  type SocketError,
} from '@kelisim/contracts';
import type { Logger } from '@kelisim/logger';
import { reauthEventName } from './credential-watch.js';
import { unknownFrameEvent } from './event-guard.js';
import { chatEvents } from './handlers/chat-events.js';
import { retryAfterSeconds, type HandshakeAdmission } from './handshake-admission.js';
import { authenticatedAtUpgrade, type AuthenticatedUser } from './handshake.js';
import { loggedWireError } from './respond.js';
import type { ChatServer } from './types.js';

/** What a `/ws` client may send: the chat events and `reauth` (Echo's protocol is socket.io only). */
const plainEvents = new Set<string>([...Object.keys(chatEvents), reauthEventName]);

export interface PlainWebSocketOptions {
  io: ChatServer;
  maxFrameBytes: number;
  pingIntervalMs: number;
  authenticate(token: string | undefined): Promise<AuthenticatedUser>;
  originAllowed(headers: IncomingHttpHeaders): boolean;
  /** True while the node drains: new connections are refused with 503. */
  refusing(): boolean;
  /** Handshakes beyond the node's cap are refused with 503 and a spread `Retry-After`. */
  admission: HandshakeAdmission;
  logger: Logger;
}

export interface PlainWebSocketServer {
  /**
   * The HTTP server's `upgrade` handler for every path but socket.io's: `/ws` is served, any
   * other path refused with 404.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Drops every connection at once (after a drain has moved them elsewhere). */
  close(): void;
}

/**
 * The seed's plain WebSocket at `/ws`: each connection is a socket.io socket under a JSON
 * framing, so it takes part in everything a socket.io socket does (the handshake's rooms, the
 * event table and its guard, presence, credential checks, fan-out from every node through the
 * adapter, drain). The whole handshake runs at the HTTP upgrade: a refused client gets the JSON
 * error body with its status (401, 403 for a foreign origin, 429 over the connection cap, 503
 * while draining or in an outage) and never a WebSocket.
 */
export function createPlainWebSocketServer(options: PlainWebSocketOptions): PlainWebSocketServer {
  const { io, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const alive = new WeakSet<WebSocket>();
  // The gorilla pattern: ping every interval; a connection silent for a whole interval is dead.
  const keepalive = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.pingIntervalMs);
  keepalive.unref();

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let user: AuthenticatedUser;
    try {
      if (options.refusing()) {
        throw new AppError('unavailable', 'This node is restarting; connect again.');
      }
      if (!options.originAllowed(req.headers)) {
        throw new AppError('forbidden', 'This origin may not open sockets here.');
      }
      if (!options.admission.admits()) {
        throw new AppError('unavailable', 'Too many connections are starting here; connect again.');
      }
      const end = options.admission.start();
      user = await options.authenticate(upgradeToken(req)).finally(end);
    } catch (error) {
      const { status, body } = loggedWireError(error, logger, 'websocket upgrade failed');
      refuseUpgrade(socket, status, body);
      return;
    }
    authenticatedAtUpgrade.set(req, user);
    // socket.io's handshake (rooms, connection cap) runs before the upgrade completes: when the
    // client sees the WebSocket open, it is in its rooms; when the handshake refuses, it gets HTTP.
    const connection = new PlainConnection(req, socket, logger, {
      accepted: () =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          alive.add(ws);
          ws.on('pong', () => alive.add(ws));
          ws.on('message', () => alive.add(ws));
          connection.attach(ws);
        }),
      refused: (error) => refuseUpgrade(socket, errorStatus[error.code], error),
    });
    io.engine.emit('connection', connection);
    connection.open();
  };

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', (error) => logger.debug({ err: error }, 'websocket upgrade aborted'));
      if (pathOf(req) === PLAIN_WS_PATH) void upgrade(req, socket, head);
      else refuseUpgrade(socket, 404, notHere);
    },
    close() {
      clearInterval(keepalive);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

const notHere: ErrorBody = {
  code: 'not_found',
  message: `No WebSocket at this path: ${PLAIN_WS_PATH} (plain) or /socket.io/ (socket.io).`,
};

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The seed's `?token=`, or an `Authorization: Bearer` header. */
function upgradeToken(req: IncomingMessage): string | undefined {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const { authorization } = req.headers;
  return authorization === undefined ? undefined : (bearerToken(authorization) ?? undefined);
}

function refuseUpgrade(socket: Duplex, status: number, body: ErrorBody): void {
  if (!socket.writable) return;
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      (status === 503 ? `Retry-After: ${retryAfterSeconds()}\r\n` : '') +
      'Connection: close\r\n\r\n' +
      json,
  );
}

/**
 * One `/ws` connection as socket.io sees a transport connection (an engine.io socket): it reads
 * socket.io packets from `data` events and writes them with `write`. Frames in are turned into
 * event packets; packets out into frames. It exists from the HTTP upgrade request on; the
 * WebSocket is attached once socket.io has accepted the handshake.
 */
class PlainConnection extends EventEmitter {
  readonly id = randomUUID();
  /** Engine.IO protocol 4: socket.io waits for the client's CONNECT packet. */
  readonly protocol = 4;
  readonly transport = { name: 'plain-websocket', writable: true };
  readonly remoteAddress: string;
  readyState: 'opening' | 'open' | 'closed' = 'opening';
  private ws: WebSocket | undefined;
  /** Frames for the client written before the WebSocket was attached. */
  private unsent: Buffer[] = [];
  private disconnectedByServer = false;
  /** socket.io's ack ids (ours, numeric) → the client's `ack_id`. */
  private readonly acks = new Map<number, PlainAckId>();
  private nextAckId = 0;

  constructor(
    readonly request: IncomingMessage,
    private readonly upgradeSocket: Duplex,
    private readonly logger: Logger,
    private readonly handshake: { accepted(): void; refused(error: SocketError): void },
  ) {
    super();
    this.remoteAddress = request.socket.remoteAddress ?? '';
    // The client gave up while the handshake ran.
    upgradeSocket.once('close', () => {
      if (!this.ws) this.closed();
    });
  }

  /** Asks socket.io to connect this client to the main namespace (the handshake runs now). */
  open(): void {
    this.readyState = 'open';
    this.emit('data', '0');
  }

  attach(ws: WebSocket): void {
    this.ws = ws;
    ws.on('message', (data, isBinary) => this.received(data, isBinary));
    ws.on('error', (error) => this.logger.debug({ err: error }, 'websocket error'));
    ws.on('close', () => this.closed());
    for (const frame of this.unsent.splice(0)) ws.send(frame, { binary: false });
    if (this.readyState === 'closed') this.closeWebSocket(ws);
  }

  /** A socket.io packet for the client. */
  write(packet: string): void {
    if (this.readyState !== 'open') return;
    switch (packet[0]) {
      case '0': // CONNECT: the handshake succeeded and the rooms are joined
        this.handshake.accepted();
        return;
      case '1': // DISCONNECT: the server is about to close the connection
        this.disconnectedByServer = true;
        return;
      case '2': // EVENT
        this.send(eventFrame(packet));
        return;
      case '3': // ACK
        this.sendAck(packet);
        return;
      case '4': // CONNECT_ERROR: the handshake refused the connection
        this.readyState = 'closed';
        this.handshake.refused(handshakeRefusal(packet));
        return;
    }
  }

  /** Called by socket.io: on a server-side disconnect, and when the node drains. */
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    if (this.ws) this.closeWebSocket(this.ws);
    else this.upgradeSocket.destroy();
  }

  private closeWebSocket(ws: WebSocket): void {
    if (this.disconnectedByServer) {
      ws.close(plainCloseCodes.policyViolation, 'Disconnected by the server.');
    } else {
      ws.close(plainCloseCodes.serviceRestart, 'This node is restarting; connect again.');
    }
  }

  private closed(): void {
    this.readyState = 'closed';
    this.emit('close', 'transport close');
  }

  private send(frame: Buffer): void {
    if (this.ws) this.ws.send(frame, { binary: false });
    else this.unsent.push(frame);
  }

  private received(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.ws?.close(plainCloseCodes.unsupportedData, 'Frames are JSON text.');
      return;
    }
    this.emit(
      'data',
      eventPacket(data, (ackId) => this.ackIdFor(ackId)),
    );
  }

  private ackIdFor(clientAckId: PlainAckId): number {
    const id = this.nextAckId++;
    this.acks.set(id, clientAckId);
    return id;
  }

  private sendAck(packet: string): void {
    const start = packet.indexOf('[');
    const id = Number(packet.slice(1, start));
    const ackId = this.acks.get(id);
    if (ackId === undefined) return;
    this.acks.delete(id);
    const [response] = JSON.parse(packet.slice(start)) as [
      { ok: true } | { ok: false; error: SocketError },
    ];
    const frame: PlainServerFrame = response.ok
      ? { type: 'ack', ack_id: ackId, ...response }
      : { type: 'error', ack_id: ackId, ...response.error };
    this.send(Buffer.from(JSON.stringify(frame)));
  }
}

/** `4{"message": …, "data": {code, message, …}}`: the handshake's error body. */
function handshakeRefusal(packet: string): SocketError {
  const { data } = JSON.parse(packet.slice(1)) as { data?: SocketError };
  return data ?? { code: 'unauthenticated', message: 'Unauthenticated.' };
}

/**
 * A frame from the client as a socket.io EVENT packet: `{"type": "send_message", "ack_id": 7,
 * ...payload}` → `2<id>["send_message", payload]`. Anything else becomes `unknown_frame`.
 */
function eventPacket(data: RawData, ackIdFor: (clientAckId: PlainAckId) => number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawText(data));
  } catch {
    parsed = undefined;
  }
  const frame = plainClientFrame.safeParse(parsed);
  if (!frame.success || !plainEvents.has(frame.data.type)) {
    const type = frame.success ? frame.data.type : undefined;
    const ackId = frame.success && frame.data.ack_id !== undefined ? frame.data.ack_id : undefined;
    const id = ackId === undefined ? '' : String(ackIdFor(ackId));
    return `2${id}${JSON.stringify([unknownFrameEvent, { type }])}`;
  }
  const { type, ack_id: ackId, ...payload } = frame.data;
  const id = ackId === undefined ? '' : String(ackIdFor(ackId));
  return `2${id}${JSON.stringify([type, payload])}`;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

// One broadcast writes the same packet to every local socket in its rooms, one after another:
// the frame is built once per broadcast, not once per connection.
let lastEventPacket: string | undefined;
let lastEventFrame = Buffer.alloc(0);

/** `2["new_message",{"message":…}]` → `{"type":"new_message","message":…}`. */
function eventFrame(packet: string): Buffer {
  if (packet !== lastEventPacket) {
    const [type, payload] = JSON.parse(packet.slice(1)) as [string, object];
    lastEventFrame = Buffer.from(JSON.stringify({ type, ...payload }));
    lastEventPacket = packet;
  }
  return lastEventFrame;
}
