import { Prisma, type Db } from '@kelisim/db';

export type Tx = Prisma.TransactionClient;

const retryableCodes = new Set(['P2034']); // deadlock or write conflict
const maxAttempts = 4;

/** An interactive transaction, retried when InnoDB picks it as a deadlock victim. */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work, { maxWait: 10_000, timeout: 20_000 });
    } catch (error) {
      if (attempt >= maxAttempts || !isPrismaError(error, retryableCodes)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return isPrismaError(error, new Set(['P2002']));
}

function isPrismaError(error: unknown, codes: Set<string>): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && codes.has(error.code);
}
