import { Prisma, type Db } from '@kelisim/db';

export type Tx = Prisma.TransactionClient;

const retryableCodes = new Set(['P2034']); // deadlock or write conflict
const deadlock = '1213'; // ER_LOCK_DEADLOCK, as a raw statement reports it (P2010)
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
  return isPrismaError(error, new Set(['P2002']));
}

function isRetryable(error: unknown): boolean {
  if (isPrismaError(error, retryableCodes)) return true;
  return isPrismaError(error, new Set(['P2010'])) && error.meta?.['code'] === deadlock;
}

function isPrismaError(
  error: unknown,
  codes: Set<string>,
): error is Prisma.PrismaClientKnownRequestError {
  return error instanceof Prisma.PrismaClientKnownRequestError && codes.has(error.code);
}
