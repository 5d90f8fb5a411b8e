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
  const cause = (
    error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } }
  )?.meta?.driverAdapterError?.cause;
  if (cause?.kind !== 'mysql' || typeof cause.code !== 'number') return false;
  return (cause.code >= 45000 && cause.code < 46000) || unavailableServerCodes.has(cause.code);
}
