import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envNames } from '@kelisim/config';
import { loadServerConfig, serverEnvSections } from './config.js';

const root = new URL('../../../', import.meta.url);
const envExample = readFileSync(new URL('env.example', root), 'utf8');

describe('configuration reference', () => {
  it('documents every setting the node reads in env.example', () => {
    const documented = new Set(
      [...envExample.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]),
    );
    const read = Object.values(serverEnvSections).flatMap((section) => envNames(section));
    expect(read.length).toBeGreaterThan(50);
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('keeps the README configuration tables generated from env.example', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['scripts/config-table.mjs', '--check'],
      {
        cwd: root,
      },
    );
    expect(stdout).toContain('match env.example');
  });

  it('starts with env.example as it is, apart from the secret it must be given', () => {
    const values = Object.fromEntries(
      [...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]),
    );
    const config = loadServerConfig({ ...values, JWT_SECRET: 'a'.repeat(64) });
    expect(config.server.port).toBe(8080);
    expect(config.chat.drainDelayMs).toBe(0);
  });
});
