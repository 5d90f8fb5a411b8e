import { runMigrateCommand } from './migrate-command.js';
import { defaultMigrationsDir } from '../migrate.js';

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
  return runMigrateCommand();
}

process.exitCode = await main(process.argv.slice(2));
