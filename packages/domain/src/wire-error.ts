import { AppError, internalErrorBody, toErrorBody, type ErrorBody } from '@kelisim/contracts';
import { isDatabaseUnavailable } from '@kelisim/db';

export interface WireError {
  body: ErrorBody;
  status: number;
  /** `request`: the client's to fix; `outage`: a dependency is down; `bug`: ours (log it). */
  cause: 'request' | 'outage' | 'bug';
}

/**
 * The one translation of a failure to the wire: HTTP bodies, socket acks, `connect_error` data
 * and `error` events. An AppError says what it says; a database that cannot serve now is
 * `unavailable` (the same request may succeed later); anything else is a bug, `internal`, and
 * described to no one.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof AppError) {
    return { body: toErrorBody(error), status: error.status, cause: 'request' };
  }
  if (isDatabaseUnavailable(error)) {
    const unavailable = AppError.unavailable();
    return { body: toErrorBody(unavailable), status: unavailable.status, cause: 'outage' };
  }
  return { body: internalErrorBody, status: 500, cause: 'bug' };
}
