import type { Connection } from 'mariadb';
import { migrationStatus } from '@kelisim/db';
import { fail, pass, warn, type CheckResult } from '../report.js';

const name = 'Migrations';

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
  const { files, tracked, failed, pending, modified, unknown } = await migrationStatus(
    connection,
    database,
    migrationsDir,
  );
  if (!tracked) {
    return fail(
      name,
      `none applied: "${database}" has no _prisma_migrations table (${files.length} to apply)`,
      'run `pnpm migrate`',
    );
  }

  const problems: string[] = [];
  const details: string[] = [];
  const fixes: string[] = [];
  if (failed.length > 0) {
    problems.push(`${failed.length} failed`);
    for (const row of failed) {
      details.push(`failed:   ${row.name}: ${(row.logs ?? 'no logs').split('\n')[0]}`);
    }
    const first = failed[0]!.name;
    fixes.push(
      `undo what the failed migration did, then \`UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = '${first}' AND finished_at IS NULL\` and run \`pnpm migrate\``,
    );
  }
  if (pending.length > 0) {
    problems.push(`${pending.length} pending`);
    details.push(...pending.map((file) => `pending:  ${file}`));
    if (failed.length === 0) fixes.push('run `pnpm migrate`');
  }
  if (modified.length > 0) {
    problems.push(`${modified.length} changed after being applied`);
    details.push(...modified.map((file) => `modified: ${file} (checksum differs)`));
    fixes.push(
      'restore the changed migration.sql files from git (an applied migration must never change; put changes in a new migration)',
    );
  }
  if (problems.length > 0) return fail(name, problems.join(', '), fixes.join('; '), details);

  const latest = files.at(-1) ?? 'none';
  if (unknown.length > 0) {
    return warn(
      name,
      `all ${files.length} of this checkout applied, and ${unknown.length} this checkout does not have`,
      'the database was migrated by a newer version: update this checkout',
      unknown.map((file) => `unknown:  ${file}`),
    );
  }
  return pass(name, `all ${files.length} applied (latest ${latest})`);
}
