import { createConnection, type Connection } from 'mariadb';
import { databaseAddress, type DatabaseConfig } from '@kelisim/config';
import { connectionOptions } from '@kelisim/db';
import { fail, pass, warn, type CheckResult } from '../report.js';

const name = 'Database';
const connectTimeoutMs = 5_000;

export type DatabaseProbe =
  { result: CheckResult; connection: Connection } | { result: CheckResult; connection?: undefined };

/**
 * Connects to the configured database and reads the server version. Diagnostics read
 * information_schema and `_prisma_migrations` with constant, parameterised statements through
 * the driver directly (like the migration runner): Prisma's pool would turn every connection
 * problem into a generic pool timeout after 10 s.
 */
export async function probeDatabase(config: DatabaseConfig): Promise<DatabaseProbe> {
  const where = databaseAddress(config);
  let connection: Connection;
  try {
    connection = await createConnection({
      ...connectionOptions(config),
      connectTimeout: connectTimeoutMs,
      charset: 'utf8mb4',
    });
  } catch (error) {
    return { result: describeConnectError(error, config, where) };
  }
  const [row] = await connection.query<{ version: string }[]>('SELECT VERSION() AS version');
  const server = describeServer(row?.version ?? '');
  const found = `${server.label} at ${where}, database "${config.database}" as ${config.user}`;
  if (server.tooOld) {
    return {
      connection,
      result: warn(
        name,
        found,
        `${server.label} is older than tested; use MariaDB 10.6+ or MySQL 8+`,
      ),
    };
  }
  return { connection, result: pass(name, found) };
}

function describeServer(version: string): { label: string; tooOld: boolean } {
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
  if (/mariadb/i.test(version)) {
    const number = version.replace(/-.*$/, '');
    return { label: `MariaDB ${number}`, tooOld: major < 10 || (major === 10 && minor < 6) };
  }
  return { label: `MySQL ${version.replace(/-.*$/, '')}`, tooOld: major < 8 };
}

function describeConnectError(error: unknown, config: DatabaseConfig, where: string): CheckResult {
  const code = (error as { code?: string }).code ?? '';
  switch (code) {
    case 'ER_BAD_DB_ERROR':
      return fail(
        name,
        `database "${config.database}" does not exist on ${where}`,
        "set DB_DATABASE to Laravel's database (the same DB_DATABASE as Laravel's .env), or run `pnpm migrate` to create it",
      );
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return fail(
        name,
        `${where} refused user "${config.user}" (${code})`,
        `check DB_USERNAME and DB_PASSWORD, and that this user may use "${config.database}"`,
      );
    case 'ECONNREFUSED':
      return fail(
        name,
        `nothing accepts connections at ${where} (ECONNREFUSED)`,
        'start MariaDB/MySQL, or set DB_HOST and DB_PORT (or DATABASE_URL) to where it listens',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(name, `host "${config.host}" not found (${code})`, 'check DB_HOST');
    case 'ENOENT':
    case 'EACCES':
      return fail(
        name,
        `cannot open the Unix socket ${config.socketPath} (${code})`,
        "set DB_SOCKET to the server's socket (SELECT @@socket), or leave it empty to use DB_HOST and DB_PORT",
      );
    default:
      return fail(
        name,
        `cannot connect to ${where}: ${firstLine(error)}`,
        'check DB_HOST, DB_PORT and that a firewall lets this machine through',
      );
  }
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
