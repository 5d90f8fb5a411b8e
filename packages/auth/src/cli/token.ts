/**
 * Mints a token for local testing: `pnpm run token <userId> [--ttl <minutes>]`.
 * Prints only the token on stdout, so `TOKEN=$(pnpm -s run token 1)` works.
 */
import { parseArgs } from 'node:util';
import { jwtEnv, loadDotEnv, parseEnv } from '@kelisim/config';
import { mintToken } from '../mint-token.js';
import { parseUserId } from '../verify-token.js';

const usage = `Usage: pnpm run token <userId> [--ttl <minutes>]

Prints a JWT for <userId> signed like Laravel's jwt-auth, using JWT_SECRET/JWT_ALGO
(or JWT_PRIVATE_KEY for RS*/ES*), JWT_TTL, JWT_USER_MODEL and APP_URL from the
environment or .env (ENV_FILE to use another file).`;

class UsageError extends Error {}

interface Request {
  userId: number;
  ttlMinutes?: number;
}

function main(argv: string[]): void {
  try {
    const request = parseRequest(argv);
    if (request === 'help') {
      console.log(usage);
      return;
    }
    loadDotEnv();
    const config = parseEnv(jwtEnv, process.env);
    console.log(mintToken(config, request.userId, { ttlMinutes: request.ttlMinutes }));
  } catch (error) {
    fail(error);
  }
}

function parseRequest(argv: string[]): Request | 'help' {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('Expected exactly one user id.');
  const userId = parseUserId(positionals[0]);
  if (userId === undefined) throw new UsageError(`Not a user id: ${positionals[0]}`);
  if (values.ttl === undefined) return { userId };
  const ttlMinutes = parsePositiveInteger(values.ttl);
  if (ttlMinutes === undefined) throw new UsageError('--ttl must be a whole number of minutes.');
  return { userId, ttlMinutes };
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parsePositiveInteger(raw: string): number | undefined {
  const value = /^[1-9][0-9]*$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** ConfigError's message already lists every problem, one per line. */
function fail(error: unknown): void {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${usage}`);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}

main(process.argv.slice(2));
