import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Loads `.env` (or ENV_FILE) into process.env, like the seed did. Relative paths resolve against
 * the directory the user ran pnpm in (INIT_CWD), not the package pnpm switched to. Variables
 * already set in the environment win. Called by entry points only, never by libraries.
 */
export function loadDotEnv(path = process.env.ENV_FILE ?? '.env'): string | undefined {
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), path);
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}
