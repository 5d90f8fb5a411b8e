import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { DatabaseConfig } from '@kelisim/config';
import { connectionOptions } from './reachable.js';
import { PrismaClient } from './generated/prisma/client.js';

export type Db = PrismaClient;

/** Timestamps are stored and read in UTC, as Laravel does with its default `app.timezone`. */
export function createDb(config: DatabaseConfig): Db {
  const adapter = new PrismaMariaDb(
    {
      ...connectionOptions(config),
      connectionLimit: config.connectionLimit,
      timezone: 'Z',
      charset: 'utf8mb4',
      collation: 'UTF8MB4_UNICODE_CI',
    },
    // The binary protocol costs a PREPARE, an EXECUTE and a CLOSE per statement (the adapter
    // turns the driver's statement cache off); the text protocol is one round trip. Its known
    // loss is DECIMAL precision, and the schema has no DECIMAL columns.
    { useTextProtocol: true },
  );
  return new PrismaClient({ adapter });
}
