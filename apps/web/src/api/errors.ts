import type { ErrorCode } from '@kelisim/contracts';

/** A failed request or socket ack, with the server's code and the sentence to show the user. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode | 'network' | 'timeout',
    readonly plain: string,
    readonly status?: number,
    /** A rate limit's wait (`retry_after` of an ack, `Retry-After` of a response). */
    readonly retryAfterSeconds?: number,
  ) {
    super(plain);
    this.name = 'ChatError';
  }
}

export interface ErrorDetails {
  code: string | undefined;
  message: string | undefined;
  status?: number | undefined;
  retryAfterSeconds?: number | undefined;
}

/** The server's `{code, message}` (REST body or socket ack) as one plain sentence. */
export function plainMessage(details: ErrorDetails): string {
  const { code, message, status } = details;
  switch (code ?? statusCode(status)) {
    case 'rate_limited': {
      const seconds = details.retryAfterSeconds;
      return seconds === undefined
        ? "You're sending too fast; try again in a few seconds."
        : `You're sending too fast; try again in ${seconds} s.`;
    }
    case 'forbidden':
    case 'not_found':
      return "You're not allowed to do that.";
    case 'payload_too_large':
      // The size limit's and the storage quota's sentences are written for people already.
      return sentenceOr(message, 'That is too large to send.');
    case 'unsupported_media_type':
      return 'That kind of file cannot be sent.';
    case 'unauthenticated':
      return 'Your session has expired. Please sign in again.';
    case 'validation_failed':
    case 'conflict':
      return sentenceOr(message, 'That was not accepted.');
    case 'unavailable':
      return 'The server is restarting or busy. Try again in a moment.';
    case 'internal':
      return 'Something went wrong on our side. Try again.';
    default:
      return sentenceOr(message, 'Something went wrong. Try again.');
  }
}

/** The server's own sentence where it wrote one for people, else the fallback. */
function sentenceOr(message: string | undefined, fallback: string): string {
  return message && message.length < 200 ? message : fallback;
}

export function errorText(error: unknown): string {
  if (error instanceof ChatError) return error.plain;
  console.error(error);
  return 'Something went wrong in this page. Reload it and try again.';
}

export function networkError(): ChatError {
  return new ChatError('network', "Can't reach the server. Check your connection and try again.");
}

export function timeoutError(): ChatError {
  return new ChatError('timeout', 'The server did not answer in time. Try again.');
}

function statusCode(status: number | undefined): string | undefined {
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return status !== undefined && status >= 500 ? 'internal' : undefined;
  }
}
