import type { z } from 'zod';
import {
  AppError,
  internalErrorBody,
  toErrorBody,
  type AckError,
  type FieldErrors,
} from '@kelisim/contracts';
import { isDatabaseUnavailable } from '@kelisim/db';
import type { Logger } from '@kelisim/logger';

export type Reply = (response: object) => void;

/** The last argument of an incoming event, when the client asked for an acknowledgement. */
export function ackOf(args: unknown[]): Reply | undefined {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as Reply) : undefined;
}

export function errorAck(error: unknown, logger: Logger): AckError {
  if (error instanceof AppError) return { ok: false, error: toErrorBody(error) };
  if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error }, 'database unavailable');
    return { ok: false, error: toErrorBody(AppError.unavailable()) };
  }
  logger.error({ err: error }, 'socket event failed');
  return { ok: false, error: internalErrorBody };
}

/**
 * An event handler that parses the payload with its contract schema, runs the use case and acks
 * `{ok: true, ...result}` or `{ok: false, error}`; without an ack, failures arrive as `error`.
 */
export function respond<S extends z.ZodType, R extends object>(
  schema: S,
  run: (input: z.output<S>) => Promise<R>,
  context: { logger: Logger; emitError: (error: AckError['error']) => void },
) {
  return async (...args: unknown[]) => {
    const reply = ackOf(args);
    try {
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) throw AppError.validation(fieldErrors(parsed.error));
      const result = await run(parsed.data);
      reply?.({ ok: true, ...result });
    } catch (error) {
      const failure = errorAck(error, context.logger);
      if (reply) reply(failure);
      else context.emitError(failure.error);
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
