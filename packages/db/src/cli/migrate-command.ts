import {
  ConfigError,
  databaseAddress,
  databaseEnv,
  loadDotEnv,
  logEnv,
  parseEnv,
  type DatabaseConfig,
  type LogConfig,
} from '@kelisim/config';
import { createLogger } from '@kelisim/logger';
import {
  ForeignTablesError,
  migrate,
  MigrationBlockedError,
  MigrationFailedError,
  type MigrateResult,
  type MigrationProgress,
} from '../migrate.js';
import { describeDatabaseConnectionError } from '../reachable.js';

/**
 * `pnpm migrate` without its argument handling: settings from the environment and `.env`, a
 * progress line per migration and a summary on stdout, one paragraph on stderr when it fails.
 * Resolves to the exit code (0 or 1). The all-in-one server's `-migrate` runs the same.
 */
export async function runMigrateCommand(): Promise<number> {
  let database: DatabaseConfig | undefined;
  const progress = new ProgressPrinter();
  try {
    loadDotEnv();
    database = parseEnv(databaseEnv, process.env);
    const logger = createLogger(cliLogConfig(parseEnv(logEnv, process.env)));
    console.log(`Migrating database ${database.database} on ${databaseAddress(database)}`);
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
  if (
    error instanceof MigrationBlockedError ||
    error instanceof MigrationFailedError ||
    error instanceof ForeignTablesError
  ) {
    return error.message;
  }
  const connectionProblem = database && describeDatabaseConnectionError(error, database);
  if (connectionProblem) return connectionProblem;
  return `Migration failed: ${error instanceof Error ? error.message : String(error)}`;
}

function formatProblems(problems: string[]): string {
  return problems.map((problem) => `  - ${problem}`).join('\n');
}
