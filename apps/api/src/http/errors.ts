import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, internalErrorBody, toErrorBody } from '@kelisim/contracts';
import { isDatabaseUnavailable } from '@kelisim/db';

/**
 * Maps every failure to the one error shape; unknown errors are logged and never described.
 * `onDatabaseUnavailable` hears of requests that failed because the database could not be reached.
 */
export const errorHandler =
  (onDatabaseUnavailable: () => void = () => {}): ErrorRequestHandler =>
  (error: unknown, req, res, _next) => {
    if (isDatabaseUnavailable(error)) {
      onDatabaseUnavailable();
      req.log.warn({ err: error }, 'database unavailable');
      res.status(503).json(toErrorBody(AppError.unavailable()));
      return;
    }
    const appError = asAppError(error);
    if (!appError) {
      req.log.error({ err: error }, 'request failed');
      res.status(500).json(internalErrorBody);
      return;
    }
    if (appError.details.retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(appError.details.retryAfterSeconds));
    }
    req.log.warn({ code: appError.code, status: appError.status }, appError.message);
    res.status(appError.status).json(toErrorBody(appError));
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
  if (type === 'entity.parse.failed') {
    return AppError.validation({ body: ['The request body is not valid JSON.'] });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'Unsupported request body encoding.');
  }
  return undefined;
}
