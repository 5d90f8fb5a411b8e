import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '@kelisim/contracts';
import { toWireError } from '@kelisim/domain';

/**
 * Maps every failure to the one error shape; unknown errors are logged and never described.
 * `onDatabaseUnavailable` hears of requests that failed because the database could not be reached.
 */
export const errorHandler =
  (onDatabaseUnavailable: () => void = () => {}): ErrorRequestHandler =>
  (error: unknown, req, res, _next) => {
    const { body, status, cause } = toWireError(asAppError(error) ?? error);
    if (cause === 'outage') {
      onDatabaseUnavailable();
      req.log.warn({ err: error }, 'database unavailable');
    } else if (cause === 'bug') {
      req.log.error({ err: error }, 'request failed');
    } else {
      req.log.warn({ code: body.code, status }, body.message);
    }
    if (body.retry_after !== undefined) res.setHeader('Retry-After', String(body.retry_after));
    res.status(status).json(body);
  };

export const notFoundHandler: RequestHandler = () => {
  throw new AppError('not_found', 'Not found.');
};

/** body-parser's errors carry `type` and `status`; translate the ones a client can cause. */
function asAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') {
    return new AppError('payload_too_large', 'The request body is too large.');
  }
  if (type === 'parameters.too.many') {
    return new AppError('payload_too_large', 'The form has too many fields.');
  }
  if (type === 'entity.parse.failed') {
    return AppError.validation({ body: ['The request body is not valid JSON.'] });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'Unsupported request body encoding.');
  }
  return undefined;
}
