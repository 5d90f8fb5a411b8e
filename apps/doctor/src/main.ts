/**
 * Checks an installation against its Laravel app: `pnpm run doctor [--token <jwt>] [--listen <s>]`.
 * One line per check (✔ ⚠ ✖ –) with what to do; exits 1 when any check failed.
 */
import { parseArgs } from 'node:util';
import { loadDotEnv } from '@kelisim/config';
import { defaultMigrationsDir } from '@kelisim/db';
import { loadDoctorConfig } from './config.js';
import { runDoctor } from './doctor.js';
import { exitCode, formatReport } from './report.js';

const usage = `Usage: pnpm run doctor [--token <jwt>] [--listen <seconds>]

Checks this installation against its Laravel app, with the settings of the other commands
(the environment, then .env in the directory pnpm was run from, or the file named by ENV_FILE):
  Database     reachable, server version
  Collation    utf8mb4 for the database default and the chat tables
  Migrations   applied, none pending, failed or changed (prisma/migrations vs _prisma_migrations)
  Redis        reachable, server version
  Laravel broadcasts
               the channel prefix Laravel really publishes under (watched for --listen seconds,
               default 5) against REDIS_PREFIX
  Token        --token: a token Laravel issued verifies here (secret, algorithm, prv, expiry) and
               its user exists; without it a token minted here is verified (self-consistency only)
  Storage      STORAGE_PATH is writable (local disk), or the S3 bucket in use
  File links   STORAGE_BASE_URL reaches a node that accepts file links signed with this
               installation's key (CHAT_URL_SIGNING_KEY or JWT_SECRET)

✔ passed  ⚠ works, but see the note  ✖ failed: do what the line says  – not checked
Exits 1 when any check failed, else 0.`;

async function main(argv: string[]): Promise<number> {
  let args: { token?: string; listenSeconds: number };
  try {
    const parsed = parseCommandLine(argv);
    if (parsed === 'help') {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    args = parsed;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    return 2;
  }
  const envFile = loadDotEnv();
  process.stdout.write(
    `Checking with the settings of ${envFile ?? 'the environment (no .env file found)'}\n\n`,
  );
  const results = await runDoctor(loadDoctorConfig(process.env), {
    token: args.token,
    listenSeconds: args.listenSeconds,
    migrationsDir: defaultMigrationsDir,
  });
  process.stdout.write(formatReport(results));
  return exitCode(results);
}

function parseCommandLine(argv: string[]): { token?: string; listenSeconds: number } | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      listen: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new Error(`Unexpected argument: ${positionals[0]}`);
  const listenSeconds = values.listen === undefined ? 5 : Number(values.listen);
  if (!Number.isFinite(listenSeconds) || listenSeconds <= 0 || listenSeconds > 600) {
    throw new Error('--listen must be a number of seconds between 0 and 600');
  }
  return { token: values.token, listenSeconds };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `doctor failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
