#!/usr/bin/env node
// `node scripts/deploy.mjs <api|realtime|worker|migrate> <outdir> [--offline]`: a self-contained
// production directory for one app, built by `pnpm build` beforehand. What the Dockerfile's
// runtime images contain, and what scripts/build-check.sh runs without Docker.
//
// <outdir> keeps the repository's layout (apps/api/dist/main.js, prisma/migrations), because
// bundled workspace code finds files relative to its source location (see scripts/build.mjs):
//
//   api       <outdir>/apps/api/{package.json,dist/main.js,node_modules}
//   realtime  <outdir>/apps/realtime/...
//   worker    <outdir>/apps/worker/...            (dist/main.js and dist/jobs.js)
//   migrate   <outdir>/packages/db/... and <outdir>/prisma/migrations  (dist/migrate.js)
//
// `pnpm deploy --prod` installs from the workspace lockfile (the deploy-only setting
// inject-workspace-packages lets pnpm 10 use it without --legacy, and leaves the workspace's own
// install alone) into a flat, npm-style node_modules (node-linker=hoisted), so the bundle's bare
// imports resolve from dist/. The lockfile also resolves optional peers, which would bring the
// Prisma CLI (and Prisma Studio, React, TypeScript: ~230 MB) along with @prisma/client; the prune
// step keeps only the production closure: dependencies, optionalDependencies and required peers.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const targets = {
  api: { name: '@kelisim/api', dir: 'apps/api', bundles: ['dist/main.js'] },
  realtime: { name: '@kelisim/realtime', dir: 'apps/realtime', bundles: ['dist/main.js'] },
  worker: {
    name: '@kelisim/worker',
    dir: 'apps/worker',
    bundles: ['dist/main.js', 'dist/jobs.js'],
  },
  migrate: {
    name: '@kelisim/db',
    dir: 'packages/db',
    bundles: ['dist/migrate.js'],
    extra: ['prisma/migrations'],
  },
};

function fail(message) {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

const [targetName, outArg, ...flags] = process.argv.slice(2);
const target = targets[targetName ?? ''];
if (!target || !outArg) {
  fail(`usage: node scripts/deploy.mjs <${Object.keys(targets).join('|')}> <outdir> [--offline]`);
}
for (const bundle of target.bundles) {
  if (!existsSync(join(root, target.dir, bundle))) {
    fail(`${target.dir}/${bundle} is missing: run \`pnpm build\` first`);
  }
}

const outdir = resolve(outArg);
const packageOut = join(outdir, target.dir);
rmSync(packageOut, { recursive: true, force: true });
const pnpmArgs = [
  '--filter',
  target.name,
  '--config.inject-workspace-packages=true',
  '--config.node-linker=hoisted',
  '--config.reporter=append-only',
  'deploy',
  '--prod',
  ...flags.filter((flag) => flag === '--offline'),
  packageOut,
];
const deployed = spawnSync('pnpm', pnpmArgs, { cwd: root, stdio: 'inherit' });
if (deployed.status !== 0) fail(`pnpm deploy failed (${deployed.status ?? deployed.signal})`);

const { kept, removed } = pruneToProductionClosure(packageOut);
for (const extra of target.extra ?? []) {
  cpSync(join(root, extra), join(outdir, extra), { recursive: true });
}
console.log(
  `deploy: ${targetName} → ${packageOut} (${kept} packages kept, ${removed} not needed removed)`,
);

/**
 * Removes the top-level packages of <dir>/node_modules that the production dependency graph of
 * <dir>/package.json does not reach (following dependencies, optionalDependencies and
 * non-optional peerDependencies the way Node resolves them), then dangling .bin links.
 */
function pruneToProductionClosure(dir) {
  const nodeModules = join(dir, 'node_modules');
  const reached = new Set();
  const queue = [dir];
  while (queue.length > 0) {
    const packageDir = queue.pop();
    const manifest = readJson(join(packageDir, 'package.json'));
    const optionalPeers = manifest.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}).filter((n) => !optionalPeers[n]?.optional),
    ];
    for (const name of names) {
      const found = resolvePackageDir(packageDir, name, dir);
      if (found && !reached.has(found)) {
        reached.add(found);
        queue.push(found);
      }
    }
  }

  let kept = 0;
  let removed = 0;
  for (const packageDir of topLevelPackages(nodeModules)) {
    if (reached.has(packageDir)) {
      kept += 1;
    } else {
      rmSync(packageDir, { recursive: true, force: true });
      removed += 1;
    }
  }
  for (const scope of readdirSync(nodeModules).filter((n) => n.startsWith('@'))) {
    const scopeDir = join(nodeModules, scope);
    if (readdirSync(scopeDir).length === 0) rmSync(scopeDir, { recursive: true });
  }
  const binDir = join(nodeModules, '.bin');
  if (existsSync(binDir)) {
    for (const bin of readdirSync(binDir)) {
      if (!existsSync(join(binDir, bin))) rmSync(join(binDir, bin), { force: true });
    }
  }
  return { kept, removed };
}

/** Node's lookup: <from>/node_modules/<name>, then each parent's, not above <top>. */
function resolvePackageDir(from, name, top) {
  let current = from;
  for (;;) {
    const candidate = join(current, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (current === top) return undefined;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

function* topLevelPackages(nodeModules) {
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(path)) yield join(path, scoped);
    } else {
      yield path;
    }
  }
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}
