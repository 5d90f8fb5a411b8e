import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@kelisim/db';
import { dropDatabase, testJwtConfig, testServerConfig } from '@kelisim/testing';
import { localServersEnv, repoRoot, runToExit, startServing } from './start-script.js';

/** The Go service's command line (`main -migrate`), on `npm start` and on the server entry. */

const databases = ['start', 'entry', 'down'].map(
  (name) => `kelisim_test_seed_flags_${name}_${randomBytes(4).toString('hex')}`,
);
const [startDatabase, entryDatabase, unusedDatabase] = databases as [string, string, string];
const serverDir = path.join(repoRoot, 'apps', 'server');
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'kelisim-seed-flags-'));
});
afterAll(async () => {
  for (const database of databases) await dropDatabase(database);
  await rm(scratch, { recursive: true, force: true });
});

function env(database: string, extra: Record<string, string> = {}): Record<string, string> {
  return localServersEnv(database, path.join(scratch, database), {
    ENV_FILE: '/nonexistent',
    JWT_SECRET: testJwtConfig.secret,
    ...extra,
  });
}

/** The chat tables of a database, as `-migrate` must have created them. */
async function tablesOf(database: string): Promise<string[]> {
  const db = createDb({ ...testServerConfig(), database });
  try {
    const rows = await db.$queryRawUnsafe<{ name: string }[]>(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      database,
    );
    return rows.map((row) => row.name);
  } finally {
    await db.$disconnect();
  }
}

function jsonLines(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('npm start -- -migrate', () => {
  it('applies the migrations to a fresh database, then serves (pnpm passes its `--` through)', async () => {
    const { child, port, output, exited } = await startServing(
      ['--', '-migrate'],
      env(startDatabase),
    );
    try {
      expect(output.join('\n')).toMatch(/Applying .*create_chat_tables .*done/);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
      expect(await tablesOf(startDatabase)).toEqual(
        expect.arrayContaining(['_prisma_migrations', 'chats', 'messages', 'participants']),
      );
      // Level names, not pino's numbers (LOG_LEVEL_FORMAT=label by default).
      const listening = jsonLines(output).find((entry) => entry.msg === 'kelisim listening');
      expect(listening?.level).toBe('info');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 150_000);

  it('refuses an unknown flag in one sentence with exit code 2, before setting anything up', async () => {
    const run = await runToExit(['scripts/start.mjs', '-migrat'], repoRoot, env(unusedDatabase));
    expect(run.code).toBe(2);
    expect(run.stderr).toEqual([
      'Unknown argument "-migrat": npm start accepts only -migrate (or --migrate), which applies pending migrations before the server starts.',
    ]);
    expect(run.stdout).toEqual([]);
  });
});

describe('the all-in-one server entry (apps/server/src/main.ts)', () => {
  it('takes --migrate: migrates a fresh database, then serves with numeric levels on request', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--migrate'], {
      cwd: serverDir,
      env: env(entryDatabase, { LOG_LEVEL_FORMAT: 'number' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const output: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start:\n${output.join('\n')}`)), 90_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        output.push(line);
        const entry = jsonLines([line])[0];
        if (entry?.msg === 'kelisim listening') {
          clearTimeout(timer);
          resolve(entry);
        }
      });
      void exited.then((code) => reject(new Error(`exited ${code}:\n${output.join('\n')}`)));
    });
    try {
      expect(output.join('\n')).toMatch(/Applying .*create_chat_tables .*done/);
      expect(listening.level).toBe(30);
      const ready = await fetch(`http://127.0.0.1:${Number(listening.port)}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await tablesOf(entryDatabase)).toContain('messages');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 150_000);

  it('does not start when the migrations fail, and refuses an unknown flag with exit code 2', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port: closedPort } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const down = await runToExit(
      ['--import', 'tsx', 'src/main.ts', '-migrate'],
      serverDir,
      env(unusedDatabase, { DB_PORT: String(closedPort) }),
    );
    expect(down.code).toBe(1);
    expect(down.stderr.join('\n')).toContain(String(closedPort));
    expect(down.stdout.join('\n')).not.toContain('kelisim listening');

    const unknown = await runToExit(
      ['--import', 'tsx', 'src/main.ts', '-port=80'],
      serverDir,
      env(unusedDatabase),
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toEqual([
      'Unknown argument "-port=80": the server accepts only -migrate (or --migrate), which applies pending migrations before it starts.',
    ]);
  }, 150_000);
});
