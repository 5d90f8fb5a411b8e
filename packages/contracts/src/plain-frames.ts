import { z } from 'zod';
import type { SocketError } from './errors.js';
import type { ServerEventName, ServerEvents } from './events.js';

/**
 * The seed's plain WebSocket (`GET /ws?token=<jwt>`): JSON text frames `{"type": <event>,
 * ...payload}`, the socket.io events under another framing. A client frame may carry `ack_id`
 * (a string or an integer); the reply echoes it: `ack` on success, `error` on failure.
 */
export const PLAIN_WS_PATH = '/ws';

export const plainClientFrame = z.looseObject({
  type: z.string().min(1).max(64),
  ack_id: z.union([z.string().max(64), z.number().int()]).optional(),
});
export type PlainClientFrame = z.infer<typeof plainClientFrame>;
export type PlainAckId = NonNullable<PlainClientFrame['ack_id']>;

/** The reply to a client frame that carried `ack_id` and succeeded: the socket.io ack's fields. */
export type PlainAckFrame = { type: 'ack'; ack_id: PlainAckId; ok: true } & Record<string, unknown>;

/** A failure: of a frame (with its `ack_id` and, for `send_message`, its `temp_id`), or pushed. */
export type PlainErrorFrame = { type: 'error'; ack_id?: PlainAckId } & SocketError;

type PushedEventName = Exclude<ServerEventName, 'error'>;

export type PlainServerFrame =
  | { [E in PushedEventName]: { type: E } & ServerEvents[E] }[PushedEventName]
  | PlainAckFrame
  | PlainErrorFrame;

/** A payload's own `type` would hide the frame's: no server event may have one. */
type PayloadsWithType = {
  [E in ServerEventName]: 'type' extends keyof ServerEvents[E] ? E : never;
}[ServerEventName];
const noPayloadHasType: [PayloadsWithType] extends [never] ? true : never = true;
void noPayloadHasType;

/** WebSocket close codes the server uses on `/ws`. */
export const plainCloseCodes = {
  /** The client sent a binary frame. */
  unsupportedData: 1003,
  /** Refused after connecting: revoked credentials, flooding, a failed handshake. */
  policyViolation: 1008,
  /** A frame over the size limit. */
  tooBig: 1009,
  /** The node is restarting: connect again (to any node) and resume by seq. */
  serviceRestart: 1012,
  /** Too many connections or an outage: try again later. */
  tryAgainLater: 1013,
} as const;
