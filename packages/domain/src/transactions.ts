import { Prisma, type Db } from '@kelisim/db';

export type Tx = Prisma.TransactionClient;

const writeConflict = 'P2034'; // deadlock or write conflict, in Prisma's own queries
const rawStatementFailed = 'P2010';
const deadlock = '1213'; // ER_LOCK_DEADLOCK, as a raw statement reports it
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

export function isUniqueViolation(error: unknown): boolean {
  return isPrismaError(error, 'P2002');
}

function isRetryable(error: unknown): boolean {
  if (isPrismaError(error, writeConflict)) return true;
  return isPrismaError(error, rawStatementFailed) && error.meta?.['code'] === deadlock;
}

function isPrismaError(
  error: unknown,
  code: string,
): error is Prisma.PrismaClientKnownRequestError {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}
