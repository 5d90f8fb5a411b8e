import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** `pnpm start`'s node with only `env`: configuration is checked before anything connects. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/nonexistent', PORT: '0', ...env },
  });
  return { status: result.status, stderr: result.stderr };
}

describe('CHAT_DEMO_MODE', () => {
  it(
    "refuses to start the node in Laravel's production, or without a key to sign with",
    {
      timeout: 60_000,
    },
    () => {
      const production = start({ JWT_SECRET: 'x', CHAT_DEMO_MODE: 'true', APP_ENV: 'production' });
      expect(production.status).toBe(1);
      expect(production.stderr).toContain(
        'CHAT_DEMO_MODE: must not be true when APP_ENV=production',
      );
      const unsigned = start({
        CHAT_DEMO_MODE: 'true',
        JWT_ALGO: 'RS256',
        JWT_PUBLIC_KEY: 'a public key',
      });
      expect(unsigned.status).toBe(1);
      expect(unsigned.stderr).toContain('JWT_PRIVATE_KEY, which RS256 needs');
    },
  );
});
