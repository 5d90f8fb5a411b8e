/** Error codes shared by REST responses, socket acks and job failures, with their HTTP status. */
export const errorStatus = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  /** The handshake of a user who already holds CHAT_MAX_SOCKETS_PER_USER sockets on the node. */
  too_many_connections: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type FieldErrors = Record<string, string[]>;

/** The one error type of the code base: `message` is safe to show to clients. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { errors?: FieldErrors; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AppError';
  }

  get status(): number {
    return errorStatus[this.code];
  }

  static validation(errors: FieldErrors, message = firstMessage(errors)): AppError {
    return new AppError('validation_failed', message, { errors });
  }

  /** A dependency (the database) cannot serve now; the same request may succeed later. */
  static unavailable(): AppError {
    return new AppError(
      'unavailable',
      'The service is temporarily unavailable. Try again shortly.',
    );
  }
}

function firstMessage(errors: FieldErrors): string {
  const first = Object.values(errors)[0]?.[0];
  return first ?? 'The given data was invalid.';
}

/** Laravel's error body: `{message, code, errors?}`, plus `retry_after` (seconds) when rate limited. */
export interface ErrorBody {
  message: string;
  code: ErrorCode;
  errors?: FieldErrors;
  /** Seconds to wait before trying again (a rate limit), as HTTP's `Retry-After`. */
  retry_after?: number;
}

export function toErrorBody(error: AppError): ErrorBody {
  return {
    message: error.message,
    code: error.code,
    ...(error.details.errors ? { errors: error.details.errors } : {}),
    ...retryAfterOf(error),
  };
}

/**
 * Socket acks, `error` events and frames carry the same error as HTTP bodies, plus the `temp_id`
 * of the `send_message` that failed (so a client without acks knows which send it was).
 */
export type SocketError = ErrorBody & { temp_id?: string };

function retryAfterOf(error: AppError): { retry_after?: number } {
  const seconds = error.details.retryAfterSeconds;
  return seconds === undefined ? {} : { retry_after: seconds };
}

export const internalErrorBody: ErrorBody = {
  message: 'Something went wrong on our side.',
  code: 'internal',
};
