import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { laravelValue, type Env } from './env.js';
import { isProduction } from './sections.js';

/**
 * The `.env` file entry points read (ENV_FILE, or `.env`). Relative paths resolve against the
 * directory the user ran pnpm in (INIT_CWD), not the package pnpm switched to.
 */
export function dotEnvPath(path = process.env.ENV_FILE ?? '.env'): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/**
 * Loads `.env` (or ENV_FILE) into process.env, like the seed did. Variables already set in the
 * environment win. Called by entry points only, never by libraries.
 */
export function loadDotEnv(path?: string): string | undefined {
  const file = dotEnvPath(path);
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}

/**
 * The first run of a node outside production, as `php artisan jwt:secret` does for Laravel: with
 * JWT_SECRET unset and an HS* JWT_ALGO, a random 64-character secret goes into `file` (created if
 * missing; an empty `JWT_SECRET=` line is filled in, a set one never touched) and into `env`.
 * Returns the file written, or undefined when nothing was needed.
 */
export function generateMissingJwtSecret(env: Env, file: string): string | undefined {
  if (laravelValue(env.JWT_SECRET) !== undefined) return undefined;
  if (isProduction(laravelValue(env.APP_ENV) as string | undefined)) return undefined;
  const algorithm = (laravelValue(env.JWT_ALGO) as string | undefined) ?? 'HS256';
  if (!algorithm.startsWith('HS')) return undefined;

  const secret = randomBytes(48).toString('base64url');
  const line = `JWT_SECRET=${secret}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const unset =
    /^[ \t]*(?:export[ \t]+)?JWT_SECRET[ \t]*=[ \t]*(?:["']?(?:null|\(null\))?["']?)?[ \t]*$/im;
  if (text === undefined) {
    writeFileSync(file, `${line}\n`, { mode: 0o600 });
  } else if (unset.test(text)) {
    writeFileSync(file, text.replace(unset, line));
  } else if (/^[ \t]*(?:export[ \t]+)?JWT_SECRET[ \t]*=/m.test(text)) {
    return undefined;
  } else {
    appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
  }
  env.JWT_SECRET = secret;
  return file;
}
