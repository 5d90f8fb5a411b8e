import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from 'mariadb';
import { fileMatchesChecksum } from '@kelisim/db';
import { fail, pass, warn, type CheckResult } from '../report.js';

const name = 'Migrations';

interface MigrationFile {
  name: string;
  sql: Buffer;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Compares the migration folders of this checkout with `_prisma_migrations`, the way `prisma
 * migrate status` would: failed (blocks every later run), pending, modified after being applied
 * (checksum mismatch), and applied but unknown here (a newer version migrated this database).
 */
export async function checkMigrations(
  connection: Connection,
  database: string,
  migrationsDir: string,
): Promise<CheckResult> {
  const files = await readMigrationFiles(migrationsDir);
  const [table] = await connection.query<unknown[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, '_prisma_migrations'],
  );
  if (!table) {
    return fail(
      name,
      `none applied: "${database}" has no _prisma_migrations table (${files.length} to apply)`,
      'run `pnpm migrate`',
    );
  }
  const rows = await connection.query<MigrationRow[]>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs ' +
      'FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.filter((row) => row.finished_at === null);
  const applied = live.filter((row) => row.finished_at !== null);
  const appliedNames = new Set(applied.map((row) => row.migration_name));
  const fileNames = new Set(files.map((file) => file.name));
  const pending = files.filter((file) => !appliedNames.has(file.name));
  const modified = applied.filter((row) => {
    const file = files.find((f) => f.name === row.migration_name);
    return file !== undefined && !fileMatchesChecksum(file.sql, row.checksum);
  });
  const unknown = applied.filter((row) => !fileNames.has(row.migration_name));

  const problems: string[] = [];
  const details: string[] = [];
  const fixes: string[] = [];
  if (failed.length > 0) {
    problems.push(`${failed.length} failed`);
    for (const row of failed) {
      details.push(`failed:   ${row.migration_name}: ${(row.logs ?? 'no logs').split('\n')[0]}`);
    }
    const first = failed[0]!.migration_name;
    fixes.push(
      `undo what the failed migration did, then \`UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = '${first}' AND finished_at IS NULL\` and run \`pnpm migrate\``,
    );
  }
  if (pending.length > 0) {
    problems.push(`${pending.length} pending`);
    details.push(...pending.map((file) => `pending:  ${file.name}`));
    if (failed.length === 0) fixes.push('run `pnpm migrate`');
  }
  if (modified.length > 0) {
    problems.push(`${modified.length} changed after being applied`);
    details.push(...modified.map((row) => `modified: ${row.migration_name} (checksum differs)`));
    fixes.push(
      'restore the changed migration.sql files from git (an applied migration must never change; put changes in a new migration)',
    );
  }
  if (problems.length > 0) return fail(name, problems.join(', '), fixes.join('; '), details);

  const latest = files.at(-1)?.name ?? 'none';
  if (unknown.length > 0) {
    return warn(
      name,
      `all ${files.length} of this checkout applied, and ${unknown.length} this checkout does not have`,
      'the database was migrated by a newer version: update this checkout',
      unknown.map((row) => `unknown:  ${row.migration_name}`),
    );
  }
  return pass(name, `all ${files.length} applied (latest ${latest})`);
}

async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: MigrationFile[] = [];
  for (const folder of names) {
    try {
      files.push({
        name: folder,
        sql: await readFile(join(migrationsDir, folder, 'migration.sql')),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}
