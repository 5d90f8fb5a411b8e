#!/usr/bin/env node
// `node scripts/config-table.mjs [--check]`: renders env.example (the reference for every
// setting) as the README's configuration tables, between the config-table markers. With --check
// it only reports whether the README is current (exit 1 if not); a test runs that.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');
const start =
  '<!-- config-table:start (generated from env.example by scripts/config-table.mjs) -->';
const end = '<!-- config-table:end -->';

/** Sections of env.example: `# --- Title ---` headers, comments describing the settings below. */
export function parseEnvExample(text) {
  const sections = [];
  let comments = [];
  let previous = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^# -{3} (.+?) -+$/.exec(line);
    const setting = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (header) {
      sections.push({ title: header[1], settings: [] });
      comments = [];
      previous = '';
    } else if (setting && sections.length > 0) {
      // Consecutive settings under one comment share it (e.g. a limit and its window).
      const description = comments.length > 0 ? comments.join(' ') : previous;
      sections.at(-1).settings.push({
        name: setting[2],
        value: setting[3],
        commented: Boolean(setting[1]),
        description,
      });
      previous = description;
      comments = [];
    } else if (line.startsWith('#')) {
      comments.push(line.replace(/^#\s?/, ''));
    } else if (line === '') {
      comments = [];
      previous = '';
    }
  }
  return sections;
}

const cell = (text) => text.replaceAll('|', '\\|').replaceAll('*', '\\*').replaceAll('<', '&lt;');
const code = (text) => `\`${text.replaceAll('`', "'")}\``;

function renderTables(sections) {
  return sections
    .map((section) => {
      const rows = section.settings.map(({ name, value, commented, description }) => {
        const shown = commented
          ? value
            ? `unset (e.g. ${code(value)})`
            : 'unset'
          : value
            ? code(value)
            : 'empty';
        return `| ${code(name)} | ${shown.replaceAll('|', '\\|')} | ${cell(description)} |`;
      });
      return [
        `**${section.title}**`,
        '',
        '| setting | in env.example | meaning |',
        '| --- | --- | --- |',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}

export async function renderReadme(readme, envExample) {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} … ${end}`);
  const tables = renderTables(parseEnvExample(envExample));
  const next = `${readme.slice(0, from + start.length)}\n\n${tables}\n\n${readme.slice(to)}`;
  const options = await prettier.resolveConfig(readmePath);
  return prettier.format(next, { ...options, filepath: readmePath });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(readmePath, 'utf8');
  const next = await renderReadme(readme, readFileSync(join(root, 'env.example'), 'utf8'));
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error(
        'README.md configuration tables are out of date: node scripts/config-table.mjs',
      );
      process.exit(1);
    }
    console.log('README.md configuration tables match env.example');
  } else if (next !== readme) {
    writeFileSync(readmePath, next);
    console.log('README.md configuration tables updated from env.example');
  } else {
    console.log('README.md configuration tables already current');
  }
}
