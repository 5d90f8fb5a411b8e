import type {
  Ack,
  ClientToServerEvents,
  EchoClientToServerEvents,
  EchoServerToClientEvents,
  ServerToClientEvents,
} from '@kelisim/contracts';
import { io, type Socket } from 'socket.io-client';
import { ChatError, plainMessage, timeoutError } from '../api/errors.js';

/**
 * What this client emits. It always waits for the answers to `mark_read` and `react`, which the
 * contract lets other clients skip; with the ack required, `emitWithAck` knows the answer's type.
 */
type AckAlways<E extends keyof ClientToServerEvents> = {
  [K in E]: (...args: Required<Parameters<ClientToServerEvents[K]>>) => void;
};
type ClientEmits = Omit<ClientToServerEvents, 'mark_read' | 'react'> &
  EchoClientToServerEvents &
  AckAlways<'mark_read' | 'react'>;

export type ChatSocket = Socket<ServerToClientEvents & EchoServerToClientEvents, ClientEmits>;

/** How long any ack is awaited; `emitWithAck` then rejects. */
const ackTimeoutMs = 10_000;

/** Connected by `connect()`, so the listeners are in place before the first event. */
export function createChatSocket(token: string): ChatSocket {
  return io({
    auth: { token },
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 3_000,
    ackTimeout: ackTimeoutMs,
    autoConnect: false,
  });
}

/** An `emitWithAck`'s success, or its error in plain words, or a timeout. */
export async function acked<T extends object>(
  answering: Promise<Ack<T>>,
): Promise<{ ok: true } & T> {
  let answer: Ack<T>;
  try {
    answer = await answering;
  } catch {
    throw timeoutError();
  }
  if (!answer.ok) {
    const retryAfterSeconds = answer.error.retry_after;
    const plain = plainMessage({ ...answer.error, retryAfterSeconds });
    throw new ChatError(answer.error.code, plain, undefined, retryAfterSeconds);
  }
  return answer;
}
