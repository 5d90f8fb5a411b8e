import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { webDir, webDist } from './paths.js';

/** Builds apps/web once per run when `dist` is missing or older than its sources. */
export default function setup(): void {
  const built = path.join(webDist, 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource()) return;
  const vite = path.join(
    path.dirname(createRequire(path.join(webDir, 'package.json')).resolve('vite/package.json')),
    'bin/vite.js',
  );
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: webDir,
    // vitest sets NODE_ENV=test, which would give React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`building apps/web failed (exit ${result.status})`);
}

function newestSource(): number {
  const roots = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) =>
    path.join(webDir, p),
  );
  let newest = 0;
  const visit = (file: string) => {
    const stat = statSync(file);
    if (stat.isDirectory()) for (const entry of readdirSync(file)) visit(path.join(file, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  roots.filter((root) => existsSync(root)).forEach(visit);
  return newest;
}
