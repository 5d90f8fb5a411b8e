import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Loads `.env` from the working directory (or ENV_FILE) into process.env, like the seed did.
 * Variables already set in the environment win. Called by entry points only, never by libraries.
 */
export function loadDotEnv(path = process.env.ENV_FILE ?? '.env'): string | undefined {
  const file = resolve(path);
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}
