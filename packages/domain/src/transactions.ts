import { Prisma, type Db } from '@kelisim/db';

export type Tx = Prisma.TransactionClient;

const writeConflict = 'P2034'; // deadlock or write conflict, in Prisma's own queries
const rawStatementFailed = 'P2010';
const maxAttempts = 4;

/** An interactive transaction, retried when InnoDB picks it as a deadlock victim. */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work, { maxWait: 10_000, timeout: 20_000 });
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}

/** A unique index refused the row, in Prisma's own queries or a raw statement. */
export function isUniqueViolation(error: unknown): boolean {
  return isPrismaError(error, 'P2002') || rawFailureKind(error) === 'UniqueConstraintViolation';
}

/** A deadlock (MariaDB 1213) or write conflict, in Prisma's own queries or a raw statement. */
function isRetryable(error: unknown): boolean {
  return (
    isPrismaError(error, writeConflict) || rawFailureKind(error) === 'TransactionWriteConflict'
  );
}

/** How the driver adapter classed a raw statement's failure, which Prisma reports as P2010. */
function rawFailureKind(error: unknown): string | undefined {
  if (!isPrismaError(error, rawStatementFailed)) return undefined;
  const adapterError = error.meta?.['driverAdapterError'] as
    { cause?: { kind?: unknown } } | undefined;
  const kind = adapterError?.cause?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

function isPrismaError(
  error: unknown,
  code: string,
): error is Prisma.PrismaClientKnownRequestError {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}
