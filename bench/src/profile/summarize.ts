// `pnpm --filter @kelisim/bench bench:profile <dir|file.cpuprofile>...`: the top self-time
// functions of V8 CPU profiles (from `BENCH_CPU_PROF=<dir> pnpm bench ...`), and self time per
// package, so a hot spot in our code stands out from socket.io, ws, Prisma or Node internals.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function profileFiles(paths: string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .map((name) => join(path, name))
      : [path],
  );
}

/** `node_modules/.pnpm/<id>/node_modules/<pkg>/...` → `<pkg>`; workspace sources by folder. */
function packageOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return 'node internals';
  const npm = /node_modules\/(?!\.pnpm\/)((?:@[^/]+\/)?[^/]+)/.exec(
    url.split('node_modules/.pnpm/').pop() ?? url,
  );
  if (url.includes('node_modules') && npm) return npm[1]!;
  const workspace =
    /\/work\/[^/]+\/((?:apps|packages)\/[^/]+)\//.exec(url) ??
    /((?:apps|packages)\/[^/]+)\//.exec(url);
  if (workspace) return `ours: ${workspace[1]}`;
  if (url.includes('/dist/main.js')) return 'ours: bundle';
  return url.replace(/^file:\/\//, '');
}

function summarize(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url
      ? `${frame.url.replace(/^file:\/\//, '').replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')}:${frame.lineNumber + 1}`
      : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
    const pkg = packageOf(frame.url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  // Every busy sample charged to the nearest caller in our own code (apps/*, packages/*): which
  // of our functions the time in Prisma, the driver or socket.io is spent for.
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const ours = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame?.url) continue;
    let at: number | undefined = id;
    let owner = '(no caller of ours)';
    while (at !== undefined) {
      const f = byId.get(at)?.callFrame;
      if (f && packageOf(f.url).startsWith('ours:')) {
        owner = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/((?:apps|packages)\/)/, '$1')}:${f.lineNumber + 1}`;
        break;
      }
      at = parent.get(at);
    }
    ours.set(owner, (ours.get(owner) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  process.stdout.write(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled\n  by package:\n`);
  for (const [pkg, us] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    process.stdout.write(`  ${pct(us)}  ${pkg}\n`);
  }
  process.stdout.write(`  busy time by nearest caller of ours:\n`);
  for (const [name, us] of [...ours].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    process.stdout.write(`  ${pct(us)}  ${name}\n`);
  }
  process.stdout.write(`  top ${top} functions by self time:\n`);
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${pct(us)}  ${name}\n`);
  }
}

const args = process.argv.slice(2).filter((arg) => arg !== '--');
if (args.length === 0) {
  process.stderr.write('usage: bench:profile <dir|file.cpuprofile>...\n');
  process.exit(1);
}
for (const file of profileFiles(args)) summarize(file, 30);
