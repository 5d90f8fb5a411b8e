import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMissingJwtSecret } from './dotenv.js';
import { ConfigError, parseEnv, type Env } from './env.js';
import { jwtEnv } from './sections.js';

const laravelSecret = 'Zq3v8N1xR7tY2uP5wK9mB4cJ6hL0dF8sA1gE3iO7nT5yV2xC9bM4kQ6jW0rU8zH1';

describe('JWT_SECRET safety', () => {
  it('refuses the placeholder and any HS secret under 32 bytes with APP_ENV=production, naming JWT_SECRET', () => {
    for (const secret of ['your_jwt_secret_from_laravel', 'short-secret', 'x'.repeat(31)]) {
      const env = { APP_ENV: 'production', JWT_SECRET: secret };
      expect(() => parseEnv(jwtEnv, env), secret).toThrow(ConfigError);
      expect(() => parseEnv(jwtEnv, env), secret).toThrow(/JWT_SECRET/);
    }
    expect(() => parseEnv(jwtEnv, { APP_ENV: 'Production' })).toThrow(/JWT_SECRET/);
  });

  it("accepts a real secret in production (jwt-auth's 64 characters, or 32 bytes)", () => {
    const config = parseEnv(jwtEnv, { APP_ENV: 'production', JWT_SECRET: laravelSecret });
    expect(config.secret).toBe(laravelSecret);
    expect(config.secretWarning).toBeUndefined();
    expect(
      parseEnv(jwtEnv, { APP_ENV: 'production', JWT_SECRET: 'é'.repeat(16) }).secretWarning,
    ).toBeUndefined();
  });

  it('only warns outside production', () => {
    expect(parseEnv(jwtEnv, { JWT_SECRET: 'your_jwt_secret_from_laravel' }).secretWarning).toBe(
      'is the placeholder from env.example',
    );
    expect(parseEnv(jwtEnv, { APP_ENV: 'local', JWT_SECRET: 'short' }).secretWarning).toBe(
      'is 5 bytes long, shorter than 32',
    );
  });

  it('leaves RS/ES keys alone: JWT_SECRET plays no part there', () => {
    const config = parseEnv(jwtEnv, {
      APP_ENV: 'production',
      JWT_ALGO: 'RS256',
      JWT_PUBLIC_KEY: 'pem',
      JWT_SECRET: 'short',
    });
    expect(config.secretWarning).toBeUndefined();
  });
});

describe('generateMissingJwtSecret (first run)', () => {
  let dir: string;
  let n = 0;
  const file = () => path.join(dir, `env-${++n}`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kelisim-dotenv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file with a random 64-character secret and sets it in the environment', async () => {
    const target = file();
    const env: Env = {};
    expect(generateMissingJwtSecret(env, target)).toBe(target);
    expect(env.JWT_SECRET).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(await readFile(target, 'utf8')).toBe(`JWT_SECRET=${env.JWT_SECRET}\n`);
    expect(parseEnv(jwtEnv, { ...env, APP_ENV: 'production' }).secret).toBe(env.JWT_SECRET);

    const again: Env = {};
    generateMissingJwtSecret(again, file());
    expect(again.JWT_SECRET).not.toBe(env.JWT_SECRET);
  });

  it('appends to an existing .env, or fills in its empty JWT_SECRET line', async () => {
    const appended = file();
    await writeFile(appended, 'DB_HOST=127.0.0.1\nREDIS_PORT=6379');
    const env: Env = { DB_HOST: '127.0.0.1', REDIS_PORT: '6379' };
    generateMissingJwtSecret(env, appended);
    expect(await readFile(appended, 'utf8')).toBe(
      `DB_HOST=127.0.0.1\nREDIS_PORT=6379\nJWT_SECRET=${env.JWT_SECRET}\n`,
    );

    const filled = file();
    await writeFile(filled, 'APP_NAME=Laravel\nJWT_SECRET=\nJWT_ALGO=HS256\n');
    const fromFilled: Env = { APP_NAME: 'Laravel', JWT_SECRET: '', JWT_ALGO: 'HS256' };
    generateMissingJwtSecret(fromFilled, filled);
    expect(await readFile(filled, 'utf8')).toBe(
      `APP_NAME=Laravel\nJWT_SECRET=${fromFilled.JWT_SECRET}\nJWT_ALGO=HS256\n`,
    );
  });

  it('never overwrites a secret, and does nothing in production or for RS/ES keys', async () => {
    const kept = file();
    await writeFile(kept, `JWT_SECRET=${laravelSecret}\n`);
    expect(generateMissingJwtSecret({ JWT_SECRET: laravelSecret }, kept)).toBeUndefined();
    // Set in the file but overridden by an empty variable of the environment: still not touched.
    expect(generateMissingJwtSecret({ JWT_SECRET: '' }, kept)).toBeUndefined();
    expect(await readFile(kept, 'utf8')).toBe(`JWT_SECRET=${laravelSecret}\n`);

    const untouched = file();
    const production: Env = { APP_ENV: 'production' };
    expect(generateMissingJwtSecret(production, untouched)).toBeUndefined();
    expect(production.JWT_SECRET).toBeUndefined();
    expect(generateMissingJwtSecret({ JWT_ALGO: 'RS256' }, untouched)).toBeUndefined();
    await expect(readFile(untouched, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
