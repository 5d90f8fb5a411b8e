import {
  ConfigError,
  databaseEnv,
  loadDotEnv,
  logEnv,
  parseEnv,
  type DatabaseConfig,
  type LogConfig,
} from '@kelisim/config';
import { createLogger } from '@kelisim/logger';
import {
  defaultMigrationsDir,
  migrate,
  MigrationBlockedError,
  MigrationFailedError,
  type MigrateResult,
  type MigrationProgress,
} from '../migrate.js';

const usage = `Usage: pnpm migrate [--help]

Applies the pending migrations in ${defaultMigrationsDir}
to the database named by DATABASE_URL, or by DB_HOST, DB_PORT, DB_DATABASE, DB_USERNAME and
DB_PASSWORD (read from the environment, then from .env in the directory pnpm was run from, or
from the file named by ENV_FILE). Creates the database if it does not exist. Bookkeeping in
_prisma_migrations is the same as \`prisma migrate deploy\`, so \`prisma migrate status\` agrees.
LOG_LEVEL=debug shows the runner's log lines as well.
`;

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`Unknown argument: ${args[0]}\n\n${usage}`);
    return 1;
  }
  let database: DatabaseConfig | undefined;
  const progress = new ProgressPrinter();
  try {
    loadDotEnv();
    database = parseEnv(databaseEnv, process.env);
    const logger = createLogger(cliLogConfig(parseEnv(logEnv, process.env)));
    console.log(`Migrating database ${database.database} on ${database.host}:${database.port}`);
    const result = await migrate(database, { logger, onProgress: (p) => progress.print(p) });
    console.log(summarize(result));
    return 0;
  } catch (error) {
    progress.interrupt();
    console.error(describeFailure(error, database));
    return 1;
  }
}

/** The progress lines already say what info-level logs would; keep stdout readable. */
function cliLogConfig(config: LogConfig): LogConfig {
  return config.level === 'info' ? { ...config, level: 'warn' } : config;
}

class ProgressPrinter {
  private lineOpen = false;

  print(progress: MigrationProgress): void {
    if (progress.kind === 'applying') {
      process.stdout.write(`Applying ${progress.migration} ... `);
      this.lineOpen = true;
    } else {
      process.stdout.write(`done (${progress.durationMs} ms)\n`);
      this.lineOpen = false;
    }
  }

  interrupt(): void {
    if (this.lineOpen) process.stdout.write('failed\n');
    this.lineOpen = false;
  }
}

function summarize(result: MigrateResult): string {
  if (result.applied.length === 0) return 'Database is up to date.';
  return (
    `${result.applied.length} migration(s) applied, ` +
    `${result.alreadyApplied.length} already applied.`
  );
}

function describeFailure(error: unknown, database: DatabaseConfig | undefined): string {
  if (error instanceof ConfigError) {
    return `Invalid configuration in the environment or .env:\n${formatProblems(error.problems)}`;
  }
  if (error instanceof MigrationBlockedError || error instanceof MigrationFailedError) {
    return error.message;
  }
  const connectionProblem = database && describeConnectionProblem(error, database);
  if (connectionProblem) return connectionProblem;
  return `Migration failed: ${error instanceof Error ? error.message : String(error)}`;
}

function formatProblems(problems: string[]): string {
  return problems.map((problem) => `  - ${problem}`).join('\n');
}

function describeConnectionProblem(error: unknown, database: DatabaseConfig): string | undefined {
  const code = (error as { code?: unknown }).code;
  const address = `${database.host}:${database.port}`;
  const connectionVars = 'DB_HOST and DB_PORT (or DATABASE_URL)';
  const credentialVars = 'DB_USERNAME and DB_PASSWORD (or DATABASE_URL)';
  switch (code) {
    case 'ECONNREFUSED':
      return `Cannot connect to MariaDB/MySQL at ${address}: connection refused. Is the server running there? Check ${connectionVars} in the environment or .env.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot resolve the database host "${database.host}". Check ${connectionVars} in the environment or .env.`;
    case 'ETIMEDOUT':
    case 'ER_CONNECTION_TIMEOUT':
      return `Timed out connecting to MariaDB/MySQL at ${address}. Check ${connectionVars} and any firewall in between.`;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `The database server at ${address} refused user "${database.user}": ${errorMessage(error)}. Check ${credentialVars} in the environment or .env.`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `User "${database.user}" may not use or create database ${database.database}: ${errorMessage(error)}. Create the database and grant the user access to it, or check DB_DATABASE and ${credentialVars}.`;
    default:
      return undefined;
  }
}

function errorMessage(error: unknown): string {
  const sqlMessage = (error as { sqlMessage?: unknown }).sqlMessage;
  if (typeof sqlMessage === 'string') return sqlMessage;
  return error instanceof Error ? error.message : String(error);
}

process.exitCode = await main(process.argv.slice(2));
