import { AppError } from '@kelisim/contracts';

/** Client-safe messages; the token itself never appears in an error. */
export const tokenMessages = {
  expired: 'Token has expired.',
  notYetValid: 'Token is not yet valid.',
  invalid: 'Token is invalid.',
  blacklisted: 'Token has been blacklisted.',
  unavailable: 'Cannot check the token right now; try again shortly.',
} as const;

export function invalidToken(cause?: unknown): AppError {
  return unauthenticated(tokenMessages.invalid, cause);
}

export function unauthenticated(message: string, cause?: unknown): AppError {
  return new AppError('unauthenticated', message, cause === undefined ? {} : { cause });
}

/** A dependency of the check failed: refuse (fail closed) with 503 rather than let the token in. */
export function checkUnavailable(cause: unknown): AppError {
  return new AppError('unavailable', tokenMessages.unavailable, { cause });
}
