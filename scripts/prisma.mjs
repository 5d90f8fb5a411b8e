#!/usr/bin/env node
// Runs the Prisma CLI from the repository root. `prisma generate`, `validate` and `format` only
// check that a schema engine binary exists; where none can be downloaded, any file will do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
const offlineCommands = new Set(['generate', 'validate', 'format']);
if (offlineCommands.has(process.argv[2] ?? '') && !env.PRISMA_SCHEMA_ENGINE_BINARY) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = join(root, 'prisma', 'schema.prisma');
}
const prismaBin = join(root, 'node_modules', '.bin', 'prisma');
if (!existsSync(prismaBin)) {
  console.error('prisma CLI not found: run `pnpm install` first');
  process.exit(1);
}
const result = spawnSync(prismaBin, process.argv.slice(2), { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
