export { createDb, type Db } from './client.js';
export { createSanctumTokenStore } from './personal-access-tokens.js';
export { createLiveCredentialStore } from './live-credentials.js';
export * from './generated/prisma/client.js';
export {
  migrate,
  migrationStatus,
  type MigrationStatus,
  fileMatchesChecksum,
  migrationChecksum,
  defaultMigrationsDir,
  ForeignTablesError,
  MigrationBlockedError,
  MigrationFailedError,
  type MigrateResult,
  type MigrateOptions,
  type MigrationProgress,
} from './migrate.js';
export { runMigrateCommand } from './cli/migrate-command.js';
export { isDatabaseUnavailable } from './errors.js';
export {
  assertDatabaseReachable,
  connectionOptions,
  describeDatabaseConnectionError,
  startDependenciesHint,
} from './reachable.js';
