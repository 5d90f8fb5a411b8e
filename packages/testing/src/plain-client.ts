import WebSocket from 'ws';
import type { PlainServerFrame } from '@kelisim/contracts';

/** A client of the seed's plain WebSocket (`/ws`), as the Go service's clients speak it. */
export interface PlainClient {
  ws: WebSocket;
  /** Every frame received so far, in order. */
  frames: PlainServerFrame[];
  send(frame: object): void;
  /** Sends with a fresh `ack_id` and resolves with the `ack` or `error` frame echoing it. */
  request(frame: object, timeoutMs?: number): Promise<PlainServerFrame>;
  /** The first frame of this type (received already or later) that matches. */
  frame<T extends PlainServerFrame['type']>(
    type: T,
    matches?: (frame: Extract<PlainServerFrame, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<PlainServerFrame, { type: T }>>;
  /** Settles when the server (or the client) has closed the connection. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function plainUrl(baseUrl: string, token?: string): string {
  const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}

let ackIds = 0;

export async function connectPlainClient(
  baseUrl: string,
  token: string,
  options: { via?: 'query' | 'header'; headers?: Record<string, string> } = {},
): Promise<PlainClient> {
  const viaHeader = options.via === 'header';
  const ws = new WebSocket(plainUrl(baseUrl, viaHeader ? undefined : token), {
    headers: { ...(viaHeader ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
  });
  const frames: PlainServerFrame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse((data as Buffer).toString('utf8')) as PlainServerFrame);
    for (const waiter of waiters) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const frame: PlainClient['frame'] = (type, matches = () => true, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const find = () =>
        frames.find(
          (f): f is Extract<PlainServerFrame, { type: typeof type }> =>
            f.type === type && matches(f as Extract<PlainServerFrame, { type: typeof type }>),
        );
      const found = find();
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${type} frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const match = find();
        if (!match) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(match);
      };
      waiters.add(check);
    });
  return {
    ws,
    frames,
    closed,
    send: (payload) => ws.send(JSON.stringify(payload)),
    async request(payload, timeoutMs = 10_000) {
      const ackId = `a${++ackIds}`;
      ws.send(JSON.stringify({ ...payload, ack_id: ackId }));
      const isReply = (f: PlainServerFrame) =>
        (f.type === 'ack' || f.type === 'error') && f.ack_id === ackId;
      return Promise.race([frame('ack', isReply, timeoutMs), frame('error', isReply, timeoutMs)]);
    },
    frame,
    close: () => ws.close(),
  };
}

/** An upgrade the server refuses: its HTTP status, JSON body and `Retry-After` (if any). */
export function plainUpgradeRefusal(
  baseUrl: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(plainUrl(baseUrl, token), { headers });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const retryAfter = res.headers['retry-after'];
        resolve({ status, body: JSON.parse(text), ...(retryAfter ? { retryAfter } : {}) });
      });
    });
  });
}
