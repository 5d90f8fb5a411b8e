import type { Connection } from 'mariadb';
import { fail, pass, warn, type CheckResult } from '../report.js';

const name = 'Collation';
const charset = 'utf8mb4';
/** Laravel's default collation (config/database.php), and the one the migrations create. */
const collation = 'utf8mb4_unicode_ci';
export const chatTables = ['chats', 'participants', 'messages', 'chat_files'] as const;

interface Finding {
  what: string;
  charset: string | null;
  collation: string | null;
}

/**
 * utf8mb4 everywhere the chat stores text (emoji are 4 bytes: `utf8`/`utf8mb3` turns them into
 * `?` or refuses them). Another utf8mb4 collation works, but compares and sorts names differently
 * from Laravel's default, so it is a warning.
 */
export async function checkCollation(
  connection: Connection,
  database: string,
): Promise<CheckResult> {
  const [schema] = await connection.query<{ charset: string; collation: string }[]>(
    'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation ' +
      'FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
  );
  const tables = await connection.query<{ name: string; collation: string | null }[]>(
    'SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES ' +
      'WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)',
    [database, chatTables],
  );
  const columns = await connection.query<Finding[]>(
    "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS what, CHARACTER_SET_NAME AS charset, " +
      'COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ' +
      'AND TABLE_NAME IN (?) AND CHARACTER_SET_NAME IS NOT NULL ' +
      'ORDER BY TABLE_NAME, ORDINAL_POSITION',
    [database, chatTables],
  );

  const findings: Finding[] = [
    {
      what: `database ${database}`,
      charset: schema?.charset ?? null,
      collation: schema?.collation ?? null,
    },
    ...tables.map((table) => ({
      what: `table ${table.name}`,
      charset: table.collation?.split('_')[0] ?? null,
      collation: table.collation,
    })),
    ...columns.map((column) => ({ ...column, what: `column ${column.what}` })),
  ];
  const wrongCharset = findings.filter((f) => f.charset !== charset);
  const otherCollation = findings.filter((f) => f.charset === charset && f.collation !== collation);
  const missing = chatTables.filter((table) => !tables.some((t) => t.name === table));
  const checked =
    tables.length === 0
      ? 'the database default (no chat tables yet)'
      : `the database default and ${tables.length} chat tables`;

  if (wrongCharset.length > 0) {
    return fail(
      name,
      `not ${charset}: ${list(wrongCharset)}; emoji cannot be stored there`,
      `convert them (back up first): ${conversion(database, wrongCharset)}`,
      wrongCharset.map((f) => `${f.what}: ${f.collation ?? f.charset ?? 'unknown'}`),
    );
  }
  if (otherCollation.length > 0) {
    return warn(
      name,
      `${charset} throughout, but not ${collation}: ${list(otherCollation)}`,
      `works; to sort and compare like Laravel: ${conversion(database, otherCollation)}`,
      otherCollation.map((f) => `${f.what}: ${f.collation ?? 'unknown'}`),
    );
  }
  const note = missing.length > 0 ? ` (missing: ${missing.join(', ')}, see Migrations)` : '';
  return pass(name, `${charset} / ${collation} for ${checked}${note}`);
}

function list(findings: Finding[]): string {
  const shown = findings.slice(0, 3).map((f) => f.what);
  return findings.length > 3
    ? `${shown.join(', ')} and ${findings.length - 3} more`
    : shown.join(', ');
}

function conversion(database: string, findings: Finding[]): string {
  const statements: string[] = [];
  if (findings.some((f) => f.what.startsWith('database '))) {
    statements.push(
      `ALTER DATABASE \`${database}\` CHARACTER SET ${charset} COLLATE ${collation};`,
    );
  }
  const tables = new Set(
    findings
      .filter((f) => !f.what.startsWith('database '))
      .map((f) => f.what.replace(/^(table|column) /, '').split('.')[0]),
  );
  for (const table of tables) {
    statements.push(
      `ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET ${charset} COLLATE ${collation};`,
    );
  }
  return statements.join(' ');
}
