import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import type { DatabaseConfig } from '@kelisim/config';
import { createDb, migrate, type Db } from '@kelisim/db';

export interface TestDatabase {
  name: string;
  config: DatabaseConfig;
  db: Db;
  drop(): Promise<void>;
}

/** The MariaDB server tests run against: DB_HOST/DB_PORT/DB_USERNAME/DB_PASSWORD or the local default. */
export function testServerConfig(): Omit<DatabaseConfig, 'database'> {
  return {
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3306),
    user: process.env.DB_USERNAME ?? 'root',
    password: process.env.DB_PASSWORD ?? '',
    connectionLimit: 10,
  };
}

/** A fresh database with every migration applied, dropped again by `drop()`. */
export async function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  const name = `kelisim_test_${label}_${randomBytes(4).toString('hex')}`;
  const config: DatabaseConfig = { ...testServerConfig(), database: name };
  await migrate(config, { createDatabase: true });
  const db = createDb(config);
  return {
    name,
    config,
    db,
    async drop() {
      await db.$disconnect();
      await dropDatabase(name);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  const { connectionLimit: _, ...server } = testServerConfig();
  const connection = await mariadb.createConnection(server);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name.replace(/`/g, '')}\``);
  } finally {
    await connection.end();
  }
}
