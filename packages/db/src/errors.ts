/**
 * MySQL/MariaDB server errors meaning "cannot serve you now" (too many connections, shutting
 * down, connection lost) rather than "this query is wrong".
 */
const unavailableServerCodes = new Set([1040, 1053, 2002, 2003, 2006, 2013]);

/**
 * Whether a Prisma error means the database cannot be reached or has no connection to give
 * (connection refused, pool timeout, server gone), so the request may succeed later: 503, not 500.
 * The MariaDB connector reports its own failures with codes 45000-45999; Prisma reports a
 * transaction that got no connection within its wait (or outlived its timeout) as P2028.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code === 'P2028') return true;
  type Cause = { kind?: unknown; code?: unknown };
  const wrapped = (error as { meta?: { driverAdapterError?: { cause?: Cause } } } | null)?.meta
    ?.driverAdapterError?.cause;
  // A failed COMMIT or ROLLBACK reaches the caller as the adapter's own error, not Prisma's.
  const own = error as { name?: unknown; cause?: Cause } | null;
  const cause = wrapped ?? (own?.name === 'DriverAdapterError' ? own.cause : undefined);
  return cause?.kind === 'mysql' && isUnavailableCode(cause.code);
}

function isUnavailableCode(code: unknown): boolean {
  if (typeof code !== 'number') return false;
  return (code >= 45000 && code < 46000) || unavailableServerCodes.has(code);
}
