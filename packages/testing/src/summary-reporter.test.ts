import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const vitestCli = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const reporterPath = fileURLToPath(new URL('./summary-reporter.ts', import.meta.url));

function runVitest(root: string): Promise<{ code: number | null; stdout: string }> {
  // A fresh `vitest run` in a child process: the settings of the run hosting this test stay out.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  );
  const args = [vitestCli, 'run', '--root', root, '--globals', '--reporter', reporterPath];
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      args,
      { cwd: root, env: { ...env, NO_COLOR: '1', CI: 'true' } },
      (_error, stdout) => resolve({ code: child.exitCode, stdout }),
    );
  });
}

it('ends the output with one line counting passed, failed, broken and skipped tests', async () => {
  const root = await mkdtemp(join(tmpdir(), 'summary-reporter-'));
  try {
    await writeFile(
      join(root, 'pass.test.js'),
      "test('passes', () => expect(1).toBe(1));\ntest.skip('is skipped', () => {});\n",
    );
    await writeFile(join(root, 'fail.test.js'), "test('fails', () => expect(1).toBe(2));\n");
    await writeFile(join(root, 'broken.test.js'), "throw new Error('cannot be imported');\n");

    const { code, stdout } = await runVitest(root);

    expect(code).toBe(1);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('vitest: 1 passed, 2 failed, 1 skipped');
    expect(stdout.match(/^vitest: /gm)).toHaveLength(1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}, 60_000);
