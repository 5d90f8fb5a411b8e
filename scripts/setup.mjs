#!/usr/bin/env node
// Brings a checkout up to date before `start`, `test`, `migrate` and `token` (run through pnpm or
// npm): Node version, pnpm 10, installed dependencies, generated Prisma client, built web client.
// Silent when all is current; progress goes to stderr, so `TOKEN=$(pnpm -s run token 1)` gets
// only the token. Node built-ins only: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_NODE = [20, 19];
const PNPM_VERSION = '10.34.9';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampPath = join(root, 'node_modules', '.kelisim-setup-stamp');
const prismaClientPath = join(root, 'packages', 'db', 'src', 'generated', 'prisma', 'client.ts');
const webDir = join(root, 'apps', 'web');

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
    maxBuffer: 256 * 1024 * 1024,
  });
  const stdout = result.stdout ?? '';
  const output = `${stdout}${result.stderr ?? ''}`;
  const problem = result.error?.message ?? `exit code ${result.status ?? result.signal}`;
  return { ok: result.status === 0, stdout, output, problem };
}

function step(message, name, command, args) {
  console.error(message);
  const result = run(command, args);
  if (!result.ok) {
    process.stderr.write(result.output);
    fail(`${name} failed (${result.problem})`);
  }
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function isNewerThan(paths, time) {
  return paths.some((path) => (mtime(path) ?? 0) > time);
}

/** Files whose change means `pnpm install` must run again. */
function installInputs() {
  const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const inputs = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'].map((f) =>
    join(root, f),
  );
  for (const [, parent] of workspace.matchAll(/^\s*-\s*['"]?([\w./-]+)\/\*['"]?\s*$/gm)) {
    const dir = join(root, parent);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) inputs.push(join(dir, entry.name, 'package.json'));
    }
  }
  return inputs;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    fail(
      `Node.js >= ${MIN_NODE.join('.')} is required, this is ${process.version}. Install a newer Node.js 20 or 22 and run again.`,
    );
  }
}

function pnpmVersion(command) {
  const result = run(command, ['--version']);
  return result.ok ? result.stdout.trim() : undefined;
}

/** pnpm in npm's global bin folder, for when that folder is missing from (or late on) PATH. */
function npmGlobalPnpm() {
  const prefix = run('npm', ['prefix', '-g']).stdout.trim();
  const win = process.platform === 'win32';
  const pnpm = join(win ? prefix : join(prefix, 'bin'), win ? 'pnpm.cmd' : 'pnpm');
  if (!prefix || !pnpmVersion(pnpm)?.startsWith('10.')) return undefined;
  console.error(`Using pnpm from ${dirname(pnpm)}: put that folder first on your PATH.`);
  return pnpm;
}

/** Returns the command that runs pnpm 10, installing pnpm with npm when needed. */
function ensurePnpm() {
  if (process.env.npm_config_user_agent?.startsWith('pnpm/10.')) return 'pnpm';
  const found = pnpmVersion('pnpm');
  if (found?.startsWith('10.')) return 'pnpm';
  const alreadyInstalled = npmGlobalPnpm();
  if (alreadyInstalled) return alreadyInstalled;

  const why = found ? `pnpm ${found} found, pnpm 10 needed` : 'pnpm not found';
  console.error(`${why}: installing it (npm install -g pnpm@${PNPM_VERSION})...`);
  const install = run('npm', ['install', '-g', `pnpm@${PNPM_VERSION}`]);
  if (install.ok) {
    if (pnpmVersion('pnpm')?.startsWith('10.')) return 'pnpm';
    const installed = npmGlobalPnpm();
    if (installed) return installed;
  }
  process.stderr.write(install.output);
  fail(
    `could not install pnpm 10 (${install.ok ? 'not found after installing' : install.problem}).\n` +
      `Install it yourself, then run again:\n  npm install -g pnpm@${PNPM_VERSION}\n` +
      `or with corepack:\n  COREPACK_INTEGRITY_KEYS=0 corepack enable pnpm && corepack prepare pnpm@${PNPM_VERSION} --activate`,
  );
}

function ensureDependencies(pnpm) {
  const stamp = mtime(stampPath);
  const current =
    existsSync(join(root, 'node_modules', '.modules.yaml')) &&
    stamp !== undefined &&
    !isNewerThan(installInputs(), stamp);
  if (current) return;
  step('Installing dependencies (pnpm install)...', 'pnpm install --frozen-lockfile', pnpm, [
    'install',
    '--frozen-lockfile',
    '--config.confirm-modules-purge=false',
  ]);
  writeFileSync(stampPath, `${new Date().toISOString()}\n`);
}

function ensurePrismaClient() {
  const generated = mtime(prismaClientPath);
  // A new lockfile may bring another Prisma version, whose runtime wants a client it generated.
  const inputs = ['prisma/schema.prisma', 'pnpm-lock.yaml'].map((f) => join(root, f));
  if (generated !== undefined && !isNewerThan(inputs, generated)) return;
  step('Generating Prisma client...', 'prisma generate', process.execPath, [
    join(root, 'scripts', 'prisma.mjs'),
    'generate',
  ]);
  if (!existsSync(prismaClientPath)) fail(`prisma generate did not write ${prismaClientPath}`);
  const now = new Date();
  utimesSync(prismaClientPath, now, now);
}

/** The newest modification time of the files under `path` (node_modules and dist aside). */
function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * `pnpm start` serves apps/web/dist: build it when it is missing or older than the client's
 * sources. A failed build is reported but stops nothing (the node then serves the previous build,
 * or its landing page); CI's build check fails on it.
 */
function ensureWebClient(pnpm) {
  if (!existsSync(join(webDir, 'package.json'))) return;
  const builtIndex = join(webDir, 'dist', 'index.html');
  const built = mtime(builtIndex);
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'];
  const newest = Math.max(...sources.map((source) => newestMtime(join(webDir, source))));
  if (built !== undefined && built >= newest) return;
  console.error('Building the web client...');
  const result = run(pnpm, ['--filter', '@kelisim/web', 'build']);
  if (!result.ok || !existsSync(builtIndex)) {
    process.stderr.write(result.output);
    console.error(
      `setup: building the web client failed (${result.ok ? 'no dist/index.html' : result.problem}); ` +
        'continuing without a fresh build. Run `pnpm --filter @kelisim/web build` to see why.',
    );
    return;
  }
  const now = new Date();
  utimesSync(builtIndex, now, now);
}

checkNode();
const pnpm = ensurePnpm();
ensureDependencies(pnpm);
ensurePrismaClient();
ensureWebClient(pnpm);
