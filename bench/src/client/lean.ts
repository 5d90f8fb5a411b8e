import { WebSocket } from 'ws';

/**
 * A minimal socket.io v5 / engine.io v4 client over one WebSocket (no polling, no reconnection,
 * no binary, default namespace): a few hundred bytes of state per connection, so one process
 * holds thousands and a load generator measures the server rather than itself.
 *
 * Wire format: the server opens with `0{sid, pingInterval, ...}`; the client connects the
 * namespace with `40<auth JSON>` (answered by `40{sid}` or `44{message, data}`); events are
 * `42[name, ...args]`, `42<id>[...]` when an ack is wanted, answered by `43<id>[...]`; the server
 * pings with `2` and the client answers `3`.
 */
export class LeanSocket {
  private readonly ws: WebSocket;
  private nextAckId = 0;
  private readonly acks = new Map<number, (args: unknown[]) => void>();
  private connectedResolve!: () => void;
  private connectedReject!: (error: Error) => void;
  /** Settles once the namespace is connected (or refused, or the socket closed first). */
  readonly connected: Promise<void>;
  isConnected = false;
  closed = false;

  constructor(
    url: string,
    auth: Record<string, unknown> | undefined,
    private readonly onEvent: (name: string, args: unknown[]) => void,
    options: { localAddress?: string; onClose?: () => void } = {},
  ) {
    this.connected = new Promise((resolve, reject) => {
      this.connectedResolve = resolve;
      this.connectedReject = reject;
    });
    // Whoever awaits `connected` still sees the rejection; nobody awaiting is not a crash.
    this.connected.catch(() => undefined);
    const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    this.ws = new WebSocket(wsUrl, {
      perMessageDeflate: false,
      localAddress: options.localAddress,
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      this.onPacket(data.toString('utf8'));
    });
    this.ws.on('error', (error) => this.connectedReject(error));
    this.ws.on('close', () => {
      this.closed = true;
      this.isConnected = false;
      this.connectedReject(new Error('closed before the namespace connected'));
      for (const ack of this.acks.values()) ack([{ ok: false, error: { code: 'closed' } }]);
      this.acks.clear();
      options.onClose?.();
    });
    this.ws.on('open', () => this.ws.send(`40${auth ? JSON.stringify(auth) : ''}`));
  }

  private onPacket(packet: string): void {
    const engineType = packet.charCodeAt(0);
    if (engineType === 0x32 /* 2 ping */) return this.ws.send('3');
    if (engineType !== 0x34 /* 4 message */) return;
    const socketType = packet.charCodeAt(1);
    if (socketType === 0x32 /* 2 event */) {
      const [name, ...args] = JSON.parse(packet.slice(2)) as [string, ...unknown[]];
      this.onEvent(name, args);
    } else if (socketType === 0x33 /* 3 ack */) {
      const bracket = packet.indexOf('[');
      const id = Number(packet.slice(2, bracket));
      const ack = this.acks.get(id);
      if (!ack) return;
      this.acks.delete(id);
      ack(JSON.parse(packet.slice(bracket)) as unknown[]);
    } else if (socketType === 0x30 /* 0 connect */) {
      this.isConnected = true;
      this.connectedResolve();
    } else if (socketType === 0x34 /* 4 connect_error */) {
      const detail = packet.slice(2);
      this.connectedReject(new Error(`connect_error ${detail}`));
      this.ws.close();
    } else if (socketType === 0x31 /* 1 disconnect */) {
      this.ws.close();
    }
  }

  emit(name: string, ...args: unknown[]): void {
    this.ws.send(`42${JSON.stringify([name, ...args])}`);
  }

  emitWithAck(name: string, payload: unknown, onAck: (args: unknown[]) => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onAck);
    this.ws.send(`42${id}${JSON.stringify([name, payload])}`);
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
