#!/usr/bin/env node
// Production build of one workspace package: `node ../../scripts/build.mjs [name=]entry.ts ...`,
// run from the package's directory (its `build` script). Each entry becomes dist/<name>.js
// (name defaults to the entry's file name): an ESM bundle for Node 20 with the workspace
// packages (@kelisim/*, including Prisma's generated TypeScript client) compiled in and every
// npm dependency left external, so `pnpm deploy --prod` supplies them (sharp's native binary,
// @prisma/client's runtime, ...). A source map sits beside each bundle (`node --enable-source-maps`).
//
// Workspace code that locates files relative to itself (`new URL('../../../prisma/migrations',
// import.meta.url)`) keeps working: `import.meta.url` in a bundled workspace module is rewritten
// to that module's own path relative to the bundle, so paths resolve as in the source tree. A
// deployed bundle therefore expects the repository layout around it (apps/api/dist/main.js,
// prisma/migrations), which is what the Dockerfile's runtime images keep.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help')) {
  console.error('usage: node scripts/build.mjs [name=]src/entry.ts ... (from a package directory)');
  process.exit(args.length === 0 ? 1 : 0);
}

const packageDir = process.cwd();
const outdir = join(packageDir, 'dist');
const entryPoints = args.map((arg) => {
  const [name, entry] = arg.includes('=') ? arg.split('=', 2) : [undefined, arg];
  return { in: entry, out: name ?? basename(entry, extname(entry)) };
});

/** Bare imports of npm packages stay imports; `@kelisim/*` (the workspace) is compiled in. */
const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (resolveArgs) => {
      if (resolveArgs.path.startsWith('@kelisim/')) return undefined;
      return { path: resolveArgs.path, external: true };
    });
  },
};

/** `import.meta.url` of a bundled workspace module → that module's original location. */
const sourceRelativeImportMeta = {
  name: 'source-relative-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (loadArgs) => {
      if (loadArgs.path.split(sep).includes('node_modules')) return undefined;
      const source = await readFile(loadArgs.path, 'utf8');
      if (!source.includes('import.meta.')) return undefined;
      const fromBundle = relative(outdir, loadArgs.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      if (/import\.meta\.(dirname|filename)/.test(source)) {
        throw new Error(
          `${loadArgs.path}: use import.meta.url (dirname/filename are not rewritten)`,
        );
      }
      const ext = extname(loadArgs.path);
      return {
        contents: source.replaceAll('import.meta.url', url),
        loader: ext.endsWith('ts') ? 'ts' : 'js',
        resolveDir: resolve(loadArgs.path, '..'),
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: packageDir,
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.js' },
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [externalNpmPackages, sourceRelativeImportMeta],
});

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.map')) continue;
  const kib = (output.bytes / 1024).toFixed(0);
  console.log(`built ${relative(packageDir, resolve(packageDir, file))} (${kib} KiB)`);
}
