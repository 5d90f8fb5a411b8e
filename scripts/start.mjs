#!/usr/bin/env node
// `npm start [-- -migrate]`: set up what is missing, then run the all-in-one server in the
// foreground; `-migrate` (the Go service's flag, also `--migrate`) or MIGRATE_ON_START=true makes
// the server apply pending migrations first (apps/server/src/main.ts, the `pnpm migrate` code).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// pnpm (unlike npm) passes the `--` of `pnpm start -- -migrate` through.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
// Checked before the setup, so that a mistyped flag is refused at once (exit 2, like Go's flag).
const unknown = args.find((a) => a !== '-migrate' && a !== '--migrate');
if (unknown !== undefined) {
  console.error(
    `Unknown argument ${JSON.stringify(unknown)}: npm start accepts only -migrate (or --migrate), which applies pending migrations before the server starts.`,
  );
  process.exit(2);
}
const migrate = args.length > 0 || /^(1|true|yes|on)$/i.test(process.env.MIGRATE_ON_START ?? '');

// `.env` (or a relative ENV_FILE) is read from where the command was run, also by the children.
const env = { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() };

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [join(root, 'scripts', 'setup.mjs')]);
// Node runs the service directly (no pnpm/tsx wrapper re-raising signals), so SIGTERM sent to
// this script (docker stop, kill) drains it and the exit code is the service's own.
const serverArgs = ['--import', 'tsx', 'src/main.ts', ...(migrate ? ['-migrate'] : [])];
const service = spawn(process.execPath, serverArgs, {
  cwd: join(root, 'apps', 'server'),
  env,
  stdio: 'inherit',
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => service.kill(signal));
service.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
