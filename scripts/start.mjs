#!/usr/bin/env node
// `pnpm start [-- --migrate]`: set up what is missing, optionally apply pending migrations,
// then run the service in the foreground.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--migrate');
if (unknown.length > 0) {
  console.error(`Unknown argument: ${unknown[0]}\nUsage: pnpm start [-- --migrate]`);
  process.exit(1);
}
const migrate =
  args.includes('--migrate') || /^(1|true|yes|on)$/i.test(process.env.MIGRATE_ON_START ?? '');

// `.env` (or a relative ENV_FILE) is read from where the command was run, also by the children.
const env = { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() };

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [join(root, 'scripts', 'setup.mjs')]);
// Silent pnpm: a failed migration prints its own one-line reason, nothing from pnpm around it.
if (migrate) run('pnpm', ['--filter', '@kelisim/db', '--reporter=silent', 'run', 'migrate']);
// Node runs the service directly (no pnpm/tsx wrapper re-raising signals), so SIGTERM sent to
// this script (docker stop, kill) drains it and the exit code is the service's own.
const service = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  cwd: join(root, 'apps', 'server'),
  env,
  stdio: 'inherit',
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => service.kill(signal));
service.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
