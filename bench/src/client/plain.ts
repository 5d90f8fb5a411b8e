import { WebSocket } from 'ws';

/**
 * A client of the Go service's plain WebSocket (`/ws?token=`), with LeanSocket's surface: JSON
 * frames `{"type": <event>, ...payload}` in and out, replies matched by `ack_id`. The upgrade
 * completes only once the server has joined the connection to its rooms, so `connected` is `open`.
 */
export class PlainSocket {
  private readonly ws: WebSocket;
  private nextAckId = 0;
  private readonly acks = new Map<number, (args: unknown[]) => void>();
  /** Settles once the WebSocket is open (or refused, or closed first). */
  readonly connected: Promise<void>;
  closed = false;

  constructor(
    url: string,
    token: string,
    private readonly onEvent: (name: string, args: unknown[]) => void,
    options: { localAddress?: string; onClose?: () => void } = {},
  ) {
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`;
    this.ws = new WebSocket(wsUrl, {
      perMessageDeflate: false,
      localAddress: options.localAddress,
    });
    this.connected = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('close', () => reject(new Error('closed before it opened')));
    });
    this.connected.catch(() => undefined);
    this.ws.on('message', (data: Buffer) => this.onFrame(data.toString('utf8')));
    this.ws.on('close', () => {
      this.closed = true;
      for (const ack of this.acks.values()) ack([{ ok: false, error: { code: 'closed' } }]);
      this.acks.clear();
      options.onClose?.();
    });
  }

  private onFrame(text: string): void {
    const {
      type,
      ack_id: ackId,
      ...payload
    } = JSON.parse(text) as {
      type: string;
      ack_id?: number;
    } & Record<string, unknown>;
    if ((type === 'ack' || type === 'error') && typeof ackId === 'number') {
      const ack = this.acks.get(ackId);
      if (!ack) return;
      this.acks.delete(ackId);
      ack([type === 'ack' ? payload : { ok: false, error: payload }]);
      return;
    }
    this.onEvent(type, [payload]);
  }

  emit(name: string, payload: object = {}): void {
    this.ws.send(JSON.stringify({ type: name, ...payload }));
  }

  emitWithAck(name: string, payload: object, onAck: (args: unknown[]) => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onAck);
    this.ws.send(JSON.stringify({ type: name, ack_id: id, ...payload }));
  }

  close(): void {
    this.ws.close();
  }
}
