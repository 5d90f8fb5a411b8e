import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createConnection, type Connection } from 'mariadb';
import type { DatabaseConfig } from '@kelisim/config';
import { silentLogger, type Logger } from '@kelisim/logger';
import { serverAddress } from './reachable.js';

/**
 * Applies `prisma/migrations/<name>/migration.sql` folders the way `prisma migrate deploy` does,
 * with the same `_prisma_migrations` bookkeeping and the same named lock, so that Prisma's own
 * `migrate deploy`/`status` on an operator's machine agree with what this runner did.
 */

export const defaultMigrationsDir: string = fileURLToPath(
  new URL('../../../prisma/migrations', import.meta.url),
);

/** The lock name Prisma itself takes on MySQL, so Prisma's runner and ours exclude each other. */
const lockName = 'prisma_migrate';
const defaultLockTimeoutSeconds = 60;
const databaseNamePattern = /^[A-Za-z0-9_$-]+$/;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export type MigrationProgress =
  | { kind: 'applying'; migration: string }
  | { kind: 'applied'; migration: string; durationMs: number };

export interface MigrateOptions {
  migrationsDir?: string;
  logger?: Logger;
  lockTimeoutSeconds?: number;
  createDatabase?: boolean;
  /** Called before and after each migration, for command-line progress output. */
  onProgress?: (progress: MigrationProgress) => void;
}

/** A previous migration failed; Prisma refuses to go on until a person resolves it, and so do we. */
export class MigrationBlockedError extends Error {
  constructor(
    readonly migrationName: string,
    readonly logs: string | null,
  ) {
    super(
      `Migration ${migrationName} failed earlier and has not been resolved, so no further ` +
        `migrations are applied. Its error was: ${logs ?? '(no logs recorded)'}. ` +
        `Fix the database by hand (undo whatever part of the migration did run), then mark it ` +
        `rolled back with \`prisma migrate resolve --rolled-back ${migrationName}\` or ` +
        `\`UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = ` +
        `'${migrationName}' AND finished_at IS NULL\`, and run the migrations again.`,
    );
    this.name = 'MigrationBlockedError';
  }
}

/**
 * Pending migrations would create tables that already exist and that our migrations did not
 * create (e.g. the Go service's `chats` and `messages`): nothing is changed.
 */
export class ForeignTablesError extends Error {
  constructor(readonly tables: string[]) {
    super(
      `The database already holds ${tables.join(', ')}, which Kelisim Chat's migrations would ` +
        `create but did not (the Go service's tables, perhaps). Nothing was changed. Rename them ` +
        `(e.g. RENAME TABLE chats TO go_chats), migrate, then copy their data as ` +
        `docs/MIGRATING.md describes; or point DB_DATABASE at another database.`,
    );
    this.name = 'ForeignTablesError';
  }
}

export class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string,
    readonly logs: string,
    options?: ErrorOptions,
  ) {
    super(
      `Migration ${migrationName} failed: ${logs}. It is recorded as failed in ` +
        `_prisma_migrations and blocks further migrations until resolved.`,
      options,
    );
    this.name = 'MigrationFailedError';
  }
}

/** Lowercase hex SHA-256 of the file's bytes, as Prisma stores it in `_prisma_migrations.checksum`. */
export function migrationChecksum(sql: Buffer | string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export async function migrate(
  config: DatabaseConfig,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const logger = options.logger ?? silentLogger();
  assertDatabaseName(config.database);
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir);
  const connection = await connectToServer(config);
  try {
    await useDatabase(connection, config.database, options.createDatabase ?? true, logger);
    const lockTimeoutSeconds = options.lockTimeoutSeconds ?? defaultLockTimeoutSeconds;
    return await withMigrationLock(connection, lockTimeoutSeconds, () =>
      applyPendingMigrations(connection, migrations, logger, options.onProgress),
    );
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

interface MigrationFile {
  name: string;
  sql: Buffer;
  checksum: string;
}

async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    throw new Error(`Cannot read the migrations directory ${migrationsDir}`, { cause: error });
  });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(compareByCodePoint);
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFileIfExists(join(migrationsDir, name, 'migration.sql'));
    if (sql) migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

/** Prisma orders folders by plain byte comparison, not by locale. */
function compareByCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function assertDatabaseName(name: string): void {
  if (!databaseNamePattern.test(name)) {
    throw new Error(
      `Invalid database name "${name}": only letters, digits, "_", "$" and "-" are allowed`,
    );
  }
}

function quoteIdentifier(name: string): string {
  return `\`${name}\``;
}

/** No database in the connection options: it may not exist yet. */
function connectToServer(config: DatabaseConfig): Promise<Connection> {
  return createConnection({
    ...serverAddress(config),
    user: config.user,
    password: config.password,
    multipleStatements: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    collation: 'UTF8MB4_UNICODE_CI',
  });
}

async function useDatabase(
  connection: Connection,
  name: string,
  createIfMissing: boolean,
  logger: Logger,
): Promise<void> {
  if (!(await databaseExists(connection, name))) {
    if (!createIfMissing) throw new Error(`Database ${name} does not exist`);
    // IF NOT EXISTS: a concurrent runner may create it between our check and this statement.
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(name)} ` +
        'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    );
    logger.info({ database: name }, 'Created database');
  }
  await connection.query(`USE ${quoteIdentifier(name)}`);
}

async function databaseExists(connection: Connection, name: string): Promise<boolean> {
  const rows = await connection.query<unknown[]>(
    'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [name],
  );
  return rows.length > 0;
}

async function withMigrationLock<T>(
  connection: Connection,
  timeoutSeconds: number,
  work: () => Promise<T>,
): Promise<T> {
  const [row] = await connection.query<{ acquired: number | null }[]>(
    'SELECT GET_LOCK(?, ?) AS acquired',
    [lockName, timeoutSeconds],
  );
  if (Number(row?.acquired) !== 1) {
    throw new Error(
      `Another migration is running: could not take the '${lockName}' lock within ` +
        `${timeoutSeconds} s. Wait for it to finish, then try again.`,
    );
  }
  try {
    return await work();
  } finally {
    // If this fails the connection is broken, and closing it releases the lock anyway.
    await connection.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

async function applyPendingMigrations(
  connection: Connection,
  migrations: MigrationFile[],
  logger: Logger,
  onProgress: MigrateOptions['onProgress'],
): Promise<MigrateResult> {
  const rows = (await tableExists(connection, '_prisma_migrations'))
    ? await readMigrationRows(connection)
    : [];
  assertNoFailedMigration(rows);
  const appliedRows = rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null);
  warnAboutDrift(migrations, appliedRows, logger);

  const appliedNames = new Set(appliedRows.map((row) => row.migration_name));
  await refuseForeignTables(
    connection,
    migrations.filter((migration) => !appliedNames.has(migration.name)),
  );
  await createMigrationsTable(connection);
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    if (appliedNames.has(migration.name)) {
      result.alreadyApplied.push(migration.name);
      continue;
    }
    onProgress?.({ kind: 'applying', migration: migration.name });
    const durationMs = await applyMigration(connection, migration, logger);
    logger.info({ migration: migration.name, durationMs }, 'Applied migration');
    onProgress?.({ kind: 'applied', migration: migration.name, durationMs });
    result.applied.push(migration.name);
  }
  return result;
}

async function tableExists(connection: Connection, table: string): Promise<boolean> {
  const [row] = await connection.query<unknown[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  return row !== undefined;
}

/** The tables a migration creates unconditionally (`CREATE TABLE` without `IF NOT EXISTS`). */
function tablesCreatedBy(migration: MigrationFile): string[] {
  const sql = migration.sql.toString('utf8');
  return [...sql.matchAll(/CREATE\s+TABLE\s+(?!IF\s+NOT\s+EXISTS)`?(\w+)`?/gi)].map((m) => m[1]!);
}

async function refuseForeignTables(connection: Connection, pending: MigrationFile[]) {
  const created = [...new Set(pending.flatMap(tablesCreatedBy))];
  if (created.length === 0) return;
  const existing = await connection.query<{ name: string }[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES ' +
      'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME',
    [created],
  );
  if (existing.length > 0) throw new ForeignTablesError(existing.map((row) => row.name));
}

/** Prisma's own DDL for MySQL, column for column. */
async function createMigrationsTable(connection: Connection): Promise<void> {
  await connection.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4`);
}

export interface MigrationStatus {
  /** The migration folders of this checkout, in order. */
  files: string[];
  /** False when the database has no `_prisma_migrations` table: nothing applied yet. */
  tracked: boolean;
  /** Started and never finished (nor rolled back): every later run is blocked. */
  failed: { name: string; logs: string | null }[];
  pending: string[];
  /** Applied, but the file changed since (checksum mismatch). */
  modified: string[];
  /** Applied, but not in this checkout: a newer version migrated this database. */
  unknown: string[];
}

/** What `prisma migrate status` reports: this checkout's migrations against `_prisma_migrations`. */
export async function migrationStatus(
  connection: Connection,
  database: string,
  migrationsDir: string = defaultMigrationsDir,
): Promise<MigrationStatus> {
  const migrations = await readMigrations(migrationsDir);
  const files = migrations.map((migration) => migration.name);
  const [table] = await connection.query<unknown[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, '_prisma_migrations'],
  );
  if (!table)
    return { files, tracked: false, failed: [], pending: files, modified: [], unknown: [] };
  const live = (await readMigrationRows(connection)).filter((row) => row.rolled_back_at === null);
  const applied = live.filter((row) => row.finished_at !== null);
  const appliedNames = new Set(applied.map((row) => row.migration_name));
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  return {
    files,
    tracked: true,
    failed: live
      .filter((row) => row.finished_at === null)
      .map((row) => ({ name: row.migration_name, logs: row.logs })),
    pending: files.filter((name) => !appliedNames.has(name)),
    modified: applied
      .filter((row) => {
        const migration = byName.get(row.migration_name);
        return migration !== undefined && !fileMatchesChecksum(migration.sql, row.checksum);
      })
      .map((row) => row.migration_name),
    unknown: applied
      .filter((row) => !byName.has(row.migration_name))
      .map((row) => row.migration_name),
  };
}

function readMigrationRows(connection: Connection): Promise<MigrationRow[]> {
  return connection.query<MigrationRow[]>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs ' +
      'FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
}

function assertNoFailedMigration(rows: MigrationRow[]): void {
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) throw new MigrationBlockedError(failed.migration_name, failed.logs);
}

/** Prisma warns about edited or vanished migrations but still applies the rest; so do we. */
function warnAboutDrift(
  migrations: MigrationFile[],
  appliedRows: MigrationRow[],
  logger: Logger,
): void {
  const filesByName = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of appliedRows) {
    const file = filesByName.get(row.migration_name);
    if (!file) {
      logger.warn(
        { migration: row.migration_name },
        'Migration is applied in the database but missing from the migrations directory',
      );
    } else if (!fileMatchesChecksum(file.sql, row.checksum)) {
      logger.warn(
        { migration: row.migration_name, recorded: row.checksum, current: file.checksum },
        'Migration was modified after it was applied',
      );
    }
  }
}

/**
 * Like Prisma: a file whose line endings git converted (LF <-> CRLF) still matches, and so does a
 * checksum written by old Prisma versions that did not zero-pad each byte's hex.
 */
export function fileMatchesChecksum(sql: Buffer, recorded: string): boolean {
  const text = sql.toString('utf8');
  const variants = [sql, text.replaceAll('\r\n', '\n'), text.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    return digest.toString('hex') === recorded || unpaddedHex(digest) === recorded;
  });
}

function unpaddedHex(bytes: Buffer): string {
  return [...bytes].map((byte) => byte.toString(16)).join('');
}

/** Returns how long the script took, in milliseconds. */
async function applyMigration(
  connection: Connection,
  migration: MigrationFile,
  logger: Logger,
): Promise<number> {
  const id = randomUUID();
  await connection.query(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) ' +
      'VALUES (?, ?, ?, NOW(3), 0)',
    [id, migration.checksum, migration.name],
  );
  const startedAt = performance.now();
  try {
    await runScript(connection, migration.sql.toString('utf8'));
  } catch (error) {
    const logs = describeDatabaseError(error);
    await recordFailureLogs(connection, id, logs).catch((recordError: unknown) => {
      // The row still has finished_at NULL, so the failure blocks later runs all the same.
      logger.warn({ migration: migration.name, err: recordError }, 'Could not record the error');
    });
    throw new MigrationFailedError(migration.name, logs, { cause: error });
  }
  const durationMs = Math.round(performance.now() - startedAt);
  await connection.query(
    'UPDATE _prisma_migrations SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?',
    [id],
  );
  return durationMs;
}

async function runScript(connection: Connection, sql: string): Promise<void> {
  // The server rejects an empty query; an empty migration file is valid for Prisma.
  if (sql.trim() === '') return;
  await connection.query(sql);
}

async function recordFailureLogs(connection: Connection, id: string, logs: string): Promise<void> {
  // A script that opened a transaction and then failed would otherwise swallow this UPDATE.
  await connection.query('ROLLBACK');
  await connection.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [logs, id]);
}

/** The server's own message, without the driver's echo of the whole script. */
function describeDatabaseError(error: unknown): string {
  const sqlError = error as { sqlMessage?: string | null; errno?: number; code?: string | null };
  if (sqlError.sqlMessage) {
    return `Database error ${sqlError.errno ?? ''} (${sqlError.code ?? 'unknown'}): ${sqlError.sqlMessage}`;
  }
  return error instanceof Error ? error.message : String(error);
}
