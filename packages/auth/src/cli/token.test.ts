import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../verify-token.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const secret = 'test-secret';

/** The inherited environment without any JWT_* a developer may have exported. */
function envWithoutJwt(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('JWT_')),
  );
}

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(tsx, ['src/cli/token.ts', ...args], {
      cwd: packageDir,
      env: { ...env, ENV_FILE: '/nonexistent' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const hs256 = {
  secret,
  algorithm: 'HS256',
  leewaySeconds: 0,
  ttlMinutes: 60,
  issuer: 'http://localhost',
} as const;

describe('token CLI', () => {
  it('prints only a token, which verifies as user 7', () => {
    const { status, stdout } = runCli(['7'], { ...envWithoutJwt(), JWT_SECRET: secret });
    expect(status).toBe(0);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(createTokenVerifier(hs256)(stdout.trim()).userId).toBe(7);
  });

  it('honours --ttl', () => {
    const { stdout } = runCli(['7', '--ttl', '5'], { ...envWithoutJwt(), JWT_SECRET: secret });
    const { claims } = createTokenVerifier(hs256)(stdout.trim());
    expect(Number(claims.exp) - Number(claims.iat)).toBe(5 * 60);
  });

  it('exits 1 and names JWT_SECRET when it is not set', () => {
    const { status, stdout, stderr } = runCli(['7'], envWithoutJwt());
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('JWT_SECRET');
  });

  it.each([[[]], [['abc']], [['0']], [['7', '--ttl', 'soon']]])(
    'exits 1 with usage for arguments %j',
    (args) => {
      const { status, stdout, stderr } = runCli(args, { ...envWithoutJwt(), JWT_SECRET: secret });
      expect(status).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('Usage: pnpm run token <userId>');
    },
  );

  it('prints usage for --help', () => {
    const { status, stdout } = runCli(['--help'], envWithoutJwt());
    expect(status).toBe(0);
    expect(stdout).toContain('Usage: pnpm run token <userId>');
  });
});
