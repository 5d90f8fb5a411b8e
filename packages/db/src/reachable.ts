import { createConnection, type Connection } from 'mariadb';
import { databaseAddress, StartupError, type DatabaseConfig } from '@kelisim/config';

/** How to start the local database and Redis of the compose stack. */
export const startDependenciesHint = '`docker compose up -d mariadb redis`';

const addressSettings = 'DB_HOST/DB_PORT or DATABASE_URL';
const credentialSettings = 'DB_USERNAME/DB_PASSWORD or DATABASE_URL';

/**
 * One sentence naming the server, the settings and the fix, for an error connecting to the
 * database; undefined for errors that are not about reaching it.
 */
export function describeDatabaseConnectionError(
  error: unknown,
  database: DatabaseConfig,
): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const address = databaseAddress(database);
  switch (code) {
    case 'ENOENT':
    case 'EACCES':
      return `Cannot open the database server's Unix socket ${database.socketPath} (DB_SOCKET): ${code === 'ENOENT' ? 'no such socket' : 'permission denied'}; point DB_SOCKET at the server's socket (SELECT @@socket), or leave it empty to connect over TCP.`;
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `Cannot reach MariaDB/MySQL at ${address} (${addressSettings}): start it, e.g. ${startDependenciesHint}, or point those settings at your server.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot resolve the database host "${database.host}" (${addressSettings}): fix the host name, or start a local server, e.g. ${startDependenciesHint}.`;
    case 'ETIMEDOUT':
    case 'ER_CONNECTION_TIMEOUT':
      return `Timed out connecting to MariaDB/MySQL at ${address} (${addressSettings}): check that the server runs there and no firewall is in between.`;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `The database server at ${address} refused user "${database.user}" (${credentialSettings}): ${serverMessage(error)}.`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `User "${database.user}" may not use or create database ${database.database} on ${address} (DB_DATABASE, ${credentialSettings}): grant the user access to it, or create it.`;
    case 'ER_BAD_DB_ERROR':
      return `Database ${database.database} does not exist on ${address} (DB_DATABASE): create it with its tables by \`pnpm migrate\` or \`pnpm start -- --migrate\`.`;
    default:
      return undefined;
  }
}

function serverMessage(error: unknown): string {
  const sqlMessage = (error as { sqlMessage?: unknown }).sqlMessage;
  if (typeof sqlMessage === 'string') return sqlMessage.replace(/\.$/, '');
  return error instanceof Error ? error.message : String(error);
}

/** The driver's options for reaching the configured database as its user. */
export function connectionOptions(database: DatabaseConfig) {
  return {
    ...serverAddress(database),
    user: database.user,
    password: database.password,
    database: database.database,
  };
}

/** The server's socket, or its host and port. */
export function serverAddress(database: DatabaseConfig) {
  return database.socketPath
    ? { socketPath: database.socketPath }
    : { host: database.host, port: database.port };
}

/**
 * Connects once to the configured database, so a node that cannot reach it stops at start with
 * one sentence (a StartupError) instead of answering 503 for ever.
 */
export async function assertDatabaseReachable(database: DatabaseConfig): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await createConnection({ ...connectionOptions(database), connectTimeout: 10_000 });
  } catch (error) {
    const sentence = describeDatabaseConnectionError(error, database);
    if (sentence) throw new StartupError(sentence, { cause: error });
    throw error;
  } finally {
    await connection?.end().catch(() => connection?.destroy());
  }
}
