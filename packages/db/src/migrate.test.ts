import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection, type Connection } from 'mariadb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseEnv, parseEnv, type DatabaseConfig } from '@kelisim/config';
import { silentLogger, type Logger } from '@kelisim/logger';
import {
  ForeignTablesError,
  defaultMigrationsDir,
  migrate,
  migrationChecksum,
  MigrationBlockedError,
  MigrationFailedError,
} from './migrate.js';

const realMigrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const chatTables = ['users', 'chats', 'participants', 'messages', 'chat_files'];
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const serverConfig = parseEnv(databaseEnv, process.env);
let admin: Connection;
const databasesToDrop: string[] = [];
const dirsToRemove: string[] = [];

beforeAll(async () => {
  admin = await createConnection({ ...serverConfig, database: undefined, timezone: 'Z' });
});

afterEach(async () => {
  for (const name of databasesToDrop.splice(0)) {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  }
  for (const dir of dirsToRemove.splice(0)) await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await admin?.end();
});

/** A name for a database this test owns; it is dropped after the test whether or not it exists. */
function scratchDatabase(): DatabaseConfig {
  const database = `kelisim_test_migrate_${randomBytes(5).toString('hex')}`;
  databasesToDrop.push(database);
  return { ...serverConfig, database };
}

/** Read independently of the runner: folders that hold a migration.sql, in name order. */
function migrationNamesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

interface BookkeepingRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

function bookkeeping(config: DatabaseConfig): Promise<BookkeepingRow[]> {
  return admin.query(
    `SELECT * FROM \`${config.database}\`._prisma_migrations ORDER BY migration_name`,
  );
}

/** The table's columns in order, with the information_schema.COLUMNS `fields` asked for. */
function columnsOf<T>(database: string, table: string, fields: string): Promise<T[]> {
  return admin.query<T[]>(
    `SELECT ${fields} FROM information_schema.COLUMNS ` +
      'WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
}

/** A scratch database as Laravel creates it, holding one of Laravel's tables (its columns' SQL). */
async function laravelDatabaseWith(table: string, columns: string): Promise<DatabaseConfig> {
  const config = scratchDatabase();
  const charset = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';
  await admin.query(`CREATE DATABASE \`${config.database}\` ${charset}`);
  await admin.query(
    `CREATE TABLE \`${config.database}\`.${table} (${columns}) DEFAULT ${charset} ENGINE = InnoDB`,
  );
  return config;
}

async function tableNames(config: DatabaseConfig): Promise<string[]> {
  const rows = await admin.query<{ name: string }[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [config.database],
  );
  return rows.map((row) => row.name);
}

async function migrationsDirWith(migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kelisim-migrations-'));
  dirsToRemove.push(dir);
  await addMigrations(dir, migrations);
  return dir;
}

async function addMigrations(dir: string, migrations: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
}

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = silentLogger();
  logger.warn = (fields: unknown, message?: string) => {
    warnings.push(`${message ?? ''} ${JSON.stringify(fields)}`);
  };
  return { logger, warnings };
}

describe('migrationChecksum', () => {
  it('is the lowercase hex SHA-256 of the bytes', () => {
    expect(migrationChecksum('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(migrationChecksum(Buffer.from('abc'))).toBe(migrationChecksum('abc'));
  });
});

describe('defaultMigrationsDir', () => {
  it('points at the repository prisma/migrations folder', () => {
    expect(defaultMigrationsDir).toBe(realMigrationsDir);
    expect(migrationNamesIn(defaultMigrationsDir).length).toBeGreaterThan(0);
  });
});

describe('migrate', () => {
  it('creates a missing database and applies every migration folder', async () => {
    const config = scratchDatabase();

    const result = await migrate(config, { migrationsDir: realMigrationsDir });

    expect(result).toEqual({ applied: migrationNamesIn(realMigrationsDir), alreadyApplied: [] });
    const tables = await admin.query<{ name: string; collation: string }[]>(
      'SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES ' +
        'WHERE TABLE_SCHEMA = ?',
      [config.database],
    );
    for (const table of chatTables) {
      expect(tables).toContainEqual({ name: table, collation: 'utf8mb4_unicode_ci' });
    }
    const [schema] = await admin.query<{ collation: string }[]>(
      'SELECT DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA ' +
        'WHERE SCHEMA_NAME = ?',
      [config.database],
    );
    expect(schema?.collation).toBe('utf8mb4_unicode_ci');
  });

  it('does nothing when every migration is already applied', async () => {
    const config = scratchDatabase();
    await migrate(config, { migrationsDir: realMigrationsDir });
    const rowsBefore = await bookkeeping(config);

    const result = await migrate(config, { migrationsDir: realMigrationsDir });

    expect(result).toEqual({ applied: [], alreadyApplied: migrationNamesIn(realMigrationsDir) });
    expect(await bookkeeping(config)).toEqual(rowsBefore);
  });

  it("keeps Prisma's _prisma_migrations bookkeeping", async () => {
    const config = scratchDatabase();
    await migrate(config);

    const rows = await bookkeeping(config);

    expect(rows.map((row) => row.migration_name)).toEqual(migrationNamesIn(realMigrationsDir));
    for (const row of rows) {
      const bytes = readFileSync(join(realMigrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(row.id).toMatch(uuidPattern);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  });

  it("creates _prisma_migrations with Prisma's column definitions", async () => {
    const config = scratchDatabase();
    await migrate(config);

    const columns = await columnsOf<Record<string, string | null>>(
      config.database,
      '_prisma_migrations',
      'COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, ' +
        'COLUMN_DEFAULT AS defaultValue, COLUMN_KEY AS `key`, CHARACTER_SET_NAME AS charset',
    );

    expect(columns).toEqual([
      {
        name: 'id',
        type: 'varchar(36)',
        nullable: 'NO',
        defaultValue: null,
        key: 'PRI',
        charset: 'utf8mb4',
      },
      {
        name: 'checksum',
        type: 'varchar(64)',
        nullable: 'NO',
        defaultValue: null,
        key: '',
        charset: 'utf8mb4',
      },
      {
        name: 'finished_at',
        type: 'datetime(3)',
        nullable: 'YES',
        defaultValue: 'NULL',
        key: '',
        charset: null,
      },
      {
        name: 'migration_name',
        type: 'varchar(255)',
        nullable: 'NO',
        defaultValue: null,
        key: '',
        charset: 'utf8mb4',
      },
      {
        name: 'logs',
        type: 'text',
        nullable: 'YES',
        defaultValue: 'NULL',
        key: '',
        charset: 'utf8mb4',
      },
      {
        name: 'rolled_back_at',
        type: 'datetime(3)',
        nullable: 'YES',
        defaultValue: 'NULL',
        key: '',
        charset: null,
      },
      {
        name: 'started_at',
        type: 'datetime(3)',
        nullable: 'NO',
        defaultValue: 'current_timestamp(3)',
        key: '',
        charset: null,
      },
      {
        name: 'applied_steps_count',
        type: 'int(10) unsigned',
        nullable: 'NO',
        defaultValue: '0',
        key: '',
        charset: null,
      },
    ]);
  });

  it('applies each migration exactly once when two runs race on a fresh database', async () => {
    const config = scratchDatabase();

    const [first, second] = await Promise.all([
      migrate(config, { migrationsDir: realMigrationsDir }),
      migrate(config, { migrationsDir: realMigrationsDir }),
    ]);

    const names = migrationNamesIn(realMigrationsDir);
    expect([...first.applied, ...second.applied].sort()).toEqual(names);
    expect([...first.alreadyApplied, ...second.alreadyApplied].sort()).toEqual(names);
    const rows = await bookkeeping(config);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
  });

  it('records a failed migration and then refuses to apply anything after it', async () => {
    const config = scratchDatabase();
    const dir = await migrationsDirWith({
      '20260101000000_good': 'CREATE TABLE good (id INT PRIMARY KEY);',
      '20260102000000_broken': 'CREATE TABLE x (',
    });

    const failure = migrate(config, { migrationsDir: dir });

    await expect(failure).rejects.toThrow(MigrationFailedError);
    await expect(failure).rejects.toThrow(/20260102000000_broken/);
    expect(await tableNames(config)).toContain('good');
    const broken = (await bookkeeping(config)).find(
      (row) => row.migration_name === '20260102000000_broken',
    );
    expect(broken?.finished_at).toBeNull();
    expect(broken?.rolled_back_at).toBeNull();
    expect(broken?.applied_steps_count).toBe(0);
    expect(broken?.logs).toMatch(/SQL syntax/);

    await addMigrations(dir, { '20260103000000_later': 'CREATE TABLE later (id INT);' });
    const blocked = migrate(config, { migrationsDir: dir });

    await expect(blocked).rejects.toThrow(MigrationBlockedError);
    await expect(blocked).rejects.toThrow(/20260102000000_broken.*rolled-back/s);
    expect(await tableNames(config)).not.toContain('later');
    const names = (await bookkeeping(config)).map((row) => row.migration_name);
    expect(names).toEqual(['20260101000000_good', '20260102000000_broken']);
  });

  it('applies a fixed migration again once the failure is marked rolled back', async () => {
    const config = scratchDatabase();
    const dir = await migrationsDirWith({ '20260102000000_broken': 'CREATE TABLE x (' });
    await expect(migrate(config, { migrationsDir: dir })).rejects.toThrow(MigrationFailedError);
    await admin.query(
      `UPDATE \`${config.database}\`._prisma_migrations SET rolled_back_at = NOW(3) ` +
        'WHERE migration_name = ?',
      ['20260102000000_broken'],
    );
    await addMigrations(dir, { '20260102000000_broken': 'CREATE TABLE x (id INT);' });

    const result = await migrate(config, { migrationsDir: dir });

    expect(result.applied).toEqual(['20260102000000_broken']);
    expect(await tableNames(config)).toContain('x');
    const rows = await bookkeeping(config);
    expect(rows.filter((row) => row.finished_at !== null)).toHaveLength(1);
    expect(rows.filter((row) => row.rolled_back_at !== null)).toHaveLength(1);
  });

  it('warns about, but does not fail on, an applied migration whose file changed', async () => {
    const config = scratchDatabase();
    const dir = await migrationsDirWith({ '20260101000000_t': 'CREATE TABLE t (id INT);' });
    await migrate(config, { migrationsDir: dir });
    await addMigrations(dir, { '20260101000000_t': 'CREATE TABLE t (id BIGINT);' });
    const { logger, warnings } = recordingLogger();

    const result = await migrate(config, { migrationsDir: dir, logger });

    expect(result).toEqual({ applied: [], alreadyApplied: ['20260101000000_t'] });
    expect(warnings).toEqual([expect.stringMatching(/modified.*20260101000000_t/)]);
  });

  it('leaves an existing Laravel users table and its rows untouched', async () => {
    const config = await laravelDatabaseWith(
      'users',
      `
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(255) NOT NULL,
      email VARCHAR(255) NOT NULL UNIQUE,
      email_verified_at TIMESTAMP NULL,
      password VARCHAR(255) NOT NULL,
      avatar VARCHAR(255) NULL,
      remember_token VARCHAR(100) NULL,
      created_at TIMESTAMP NULL,
      updated_at TIMESTAMP NULL
    `,
    );
    await admin.query(
      `INSERT INTO \`${config.database}\`.users (name, email, password, avatar) VALUES (?, ?, ?, ?)`,
      ['Ada', 'ada@example.com', 'hash', 'ada.png'],
    );

    await migrate(config, { migrationsDir: realMigrationsDir });

    const users = await admin.query<{ name: string; avatar: string }[]>(
      `SELECT name, avatar FROM \`${config.database}\`.users`,
    );
    expect(users).toEqual([{ name: 'Ada', avatar: 'ada.png' }]);
    expect(await tableNames(config)).toEqual(expect.arrayContaining(chatTables));
  });

  it("stops before changing anything when the Go service's chat tables are there", async () => {
    const config = await laravelDatabaseWith(
      'chats',
      'id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, type VARCHAR(20), name VARCHAR(255)',
    );
    await admin.query(
      `CREATE TABLE \`${config.database}\`.messages (id BIGINT PRIMARY KEY, chat_id BIGINT, content TEXT)`,
    );
    await admin.query(
      `INSERT INTO \`${config.database}\`.chats (type, name) VALUES ('group', 'Old')`,
    );
    const before = (await tableNames(config)).sort();

    const refused = migrate(config, { migrationsDir: realMigrationsDir });
    await expect(refused).rejects.toBeInstanceOf(ForeignTablesError);
    await expect(refused).rejects.toThrow(/holds chats, messages, .*docs\/MIGRATING\.md/);

    // Not even _prisma_migrations was created, and the old rows are as they were.
    expect((await tableNames(config)).sort()).toEqual(before);
    const chats = await admin.query<{ name: string }[]>(
      `SELECT name FROM \`${config.database}\`.chats`,
    );
    expect(chats).toEqual([{ name: 'Old' }]);

    // Renamed out of the way, the same database migrates.
    await admin.query(
      `RENAME TABLE \`${config.database}\`.chats TO \`${config.database}\`.go_chats, ` +
        `\`${config.database}\`.messages TO \`${config.database}\`.go_messages`,
    );
    await migrate(config, { migrationsDir: realMigrationsDir });
    expect(await tableNames(config)).toEqual(expect.arrayContaining([...chatTables, 'go_chats']));
  });

  it("creates personal_access_tokens in the shape of Sanctum's migration", async () => {
    const config = scratchDatabase();
    await migrate(config, { migrationsDir: realMigrationsDir });

    const columns = await columnsOf<{ name: string; type: string; nullable: string }>(
      config.database,
      'personal_access_tokens',
      'COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable',
    );
    const indexes = await admin.query<{ name: string; columns: string; unique: bigint }[]>(
      'SELECT INDEX_NAME AS name, NOT NON_UNIQUE AS `unique`, ' +
        'GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS columns ' +
        'FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ' +
        'GROUP BY INDEX_NAME, NON_UNIQUE',
      [config.database, 'personal_access_tokens'],
    );

    expect(columns).toEqual([
      { name: 'id', type: 'bigint(20) unsigned', nullable: 'NO' },
      { name: 'tokenable_type', type: 'varchar(255)', nullable: 'NO' },
      { name: 'tokenable_id', type: 'bigint(20) unsigned', nullable: 'NO' },
      { name: 'name', type: 'text', nullable: 'NO' },
      { name: 'token', type: 'varchar(64)', nullable: 'NO' },
      { name: 'abilities', type: 'text', nullable: 'YES' },
      { name: 'last_used_at', type: 'timestamp', nullable: 'YES' },
      { name: 'expires_at', type: 'timestamp', nullable: 'YES' },
      { name: 'created_at', type: 'timestamp', nullable: 'YES' },
      { name: 'updated_at', type: 'timestamp', nullable: 'YES' },
    ]);
    const byName = indexes
      .map((index) => ({ ...index, unique: Number(index.unique) }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en'));
    expect(byName).toEqual([
      { name: 'personal_access_tokens_expires_at_index', columns: 'expires_at', unique: 0 },
      { name: 'personal_access_tokens_token_unique', columns: 'token', unique: 1 },
      {
        name: 'personal_access_tokens_tokenable_type_tokenable_id_index',
        columns: 'tokenable_type,tokenable_id',
        unique: 0,
      },
      { name: 'PRIMARY', columns: 'id', unique: 1 },
    ]);
  });

  it("leaves a personal_access_tokens table Laravel created (an older Sanctum's) untouched", async () => {
    const config = await laravelDatabaseWith(
      'personal_access_tokens',
      `
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      tokenable_type VARCHAR(255) NOT NULL,
      tokenable_id BIGINT UNSIGNED NOT NULL,
      name VARCHAR(255) NOT NULL,
      token VARCHAR(64) NOT NULL UNIQUE,
      abilities TEXT NULL,
      last_used_at TIMESTAMP NULL,
      expires_at TIMESTAMP NULL,
      created_at TIMESTAMP NULL,
      updated_at TIMESTAMP NULL
    `,
    );
    await admin.query(
      `INSERT INTO \`${config.database}\`.personal_access_tokens ` +
        '(tokenable_type, tokenable_id, name, token) VALUES (?, ?, ?, ?)',
      ['App\\Models\\User', 1, 'cli', 'a'.repeat(64)],
    );

    await migrate(config, { migrationsDir: realMigrationsDir });

    const [name] = await admin.query<{ type: string }[]>(
      'SELECT COLUMN_TYPE AS type FROM information_schema.COLUMNS ' +
        "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'personal_access_tokens' AND COLUMN_NAME = 'name'",
      [config.database],
    );
    expect(name?.type).toBe('varchar(255)');
    const rows = await admin.query<{ name: string }[]>(
      `SELECT name FROM \`${config.database}\`.personal_access_tokens`,
    );
    expect(rows).toEqual([{ name: 'cli' }]);
  });

  it('does not create the database when createDatabase is false', async () => {
    const config = scratchDatabase();

    await expect(migrate(config, { createDatabase: false })).rejects.toThrow(/does not exist/);
    expect(await tableNames(config)).toEqual([]);
  });

  it('rejects a database name that cannot be quoted safely', async () => {
    const config = { ...serverConfig, database: 'bad`name' };

    await expect(migrate(config)).rejects.toThrow(/Invalid database name/);
  });

  it('gives up when another runner holds the lock', async () => {
    const config = scratchDatabase();
    const holder = await createConnection({ ...serverConfig, database: undefined });
    try {
      await holder.query("SELECT GET_LOCK('prisma_migrate', 10)");

      await expect(migrate(config, { lockTimeoutSeconds: 1 })).rejects.toThrow(
        /Another migration is running/,
      );
    } finally {
      await holder.end();
    }
  });
});
