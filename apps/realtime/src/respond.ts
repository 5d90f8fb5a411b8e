import type { z } from 'zod';
import { AppError, type AckError, type FieldErrors, type SocketError } from '@kelisim/contracts';
import { toWireError, type WireError } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { ChatSocket } from './types.js';

export type Reply = (response: object) => void;

/**
 * A client event's listener, shared by every socket: called with the socket as `this` and the
 * event's arguments (the ack, if asked for, last).
 */
export type SocketListener = (this: ChatSocket, ...args: unknown[]) => unknown;

/** The last argument of an incoming event, when the client asked for an acknowledgement. */
export function ackOf(args: unknown[]): Reply | undefined {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as Reply) : undefined;
}

export function errorAck(error: unknown, logger: Logger): AckError {
  return { ok: false, error: loggedWireError(error, logger, 'socket event failed').body };
}

/** The wire form of a failure; outages and bugs are logged (a client's mistake is not). */
export function loggedWireError(error: unknown, logger: Logger, what: string): WireError {
  const wire = toWireError(error);
  if (wire.cause === 'outage') logger.warn({ err: error }, 'database unavailable');
  if (wire.cause === 'bug') logger.error({ err: error }, what);
  return wire;
}

/**
 * An event listener that parses the payload with its contract schema, runs the use case and acks
 * `{ok: true, ...result}` or `{ok: false, error}`; without an ack, failures arrive as `error`.
 */
export function respond<S extends z.ZodType, R extends object>(
  schema: S,
  run: (socket: ChatSocket, input: z.output<S>) => Promise<R>,
  loggerOf: (socket: ChatSocket) => Logger,
): SocketListener {
  return async function listener(this: ChatSocket, ...args: unknown[]) {
    const reply = ackOf(args);
    try {
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) throw AppError.validation(fieldErrors(parsed.error));
      const result = await run(this, parsed.data);
      reply?.({ ok: true, ...result });
    } catch (error) {
      const failure = errorAck(error, loggerOf(this));
      failure.error = namingTheSend(failure.error, args[0]);
      if (reply) reply(failure);
      else this.emit('error', failure.error);
    }
  };
}

function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    (errors[issue.path.join('.') || 'payload'] ??= []).push(issue.message);
  }
  return errors;
}

/** A refusal of an event whose payload carries a `temp_id` names it, so the client knows which send. */
export function namingTheSend(error: SocketError, payload: unknown): SocketError {
  if (typeof payload !== 'object' || payload === null) return error;
  const tempId = (payload as { temp_id?: unknown }).temp_id;
  return typeof tempId === 'string' ? { ...error, temp_id: tempId } : error;
}
