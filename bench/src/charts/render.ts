// `pnpm bench:report [file.jsonl...]`: renders the charts of docs/BENCHMARKS.md from result
// lines (bench/results/latest.jsonl by default; smoke runs left out) into docs/bench/*.svg. For
// each point the latest result wins, and a median of several runs (`--runs`) over a single run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latestResults } from '../report.js';
import { lineChart, type Series } from './svg.js';

const outDir = fileURLToPath(new URL('../../../docs/bench/', import.meta.url));

type Result = Record<string, unknown> & { scenario: string; at: string };

/** The files named on the command line, or bench/results/latest.jsonl. */
function readResults(files: string[]): Result[] {
  return files
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Result)
    .filter((r) => !r.smoke && !r.error && r.run === undefined)
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** The winning result per key: medians over single runs, later over earlier. */
function latestBy(results: Result[], key: (r: Result) => string): Result[] {
  const winners = new Map<string, Result>();
  for (const result of results) {
    const k = key(result);
    const current = winners.get(k);
    if (!current || result.median_of !== undefined || current.median_of === undefined) {
      winners.set(k, result);
    }
  }
  return [...winners.values()];
}

const num = (value: unknown) => Number(value);
const p = (value: unknown, q: 'p50' | 'p99') => num((value as Record<string, unknown>)[q]);
const label = (system: unknown) => (system === 'kelisim' ? 'Kelisim' : 'bare socket.io');

function write(name: string, svg: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, name), svg);
  process.stdout.write(`wrote docs/bench/${name}\n`);
}

/** p50 and p99 delivery latency of both systems against `x`; the baseline dashed. */
function latencySeries(steps: Result[], x: (r: Result) => number): Series[] {
  return ['kelisim', 'baseline'].flatMap((system) => {
    const mine = steps.filter((r) => r.system === system);
    return (['p50', 'p99'] as const).map((q) => ({
      name: `${label(system)} ${q}`,
      points: mine.map((r): [number, number] => [x(r), p(r.delivery_ms, q)]),
      dashed: system === 'baseline',
    }));
  });
}

function chatChart(results: Result[]): void {
  const steps = latestBy(
    results.filter((r) => r.scenario === 'chat' && r.kind === 'step' && r.path === 'db'),
    (r) => `${String(r.system)}:${num(r.rate)}`,
  );
  if (steps.length === 0) return;
  const series = latencySeries(steps, (r) => num(r.rate));
  const first = steps[0]!;
  write(
    'chat-latency.svg',
    lineChart({
      title: 'Chat path: send → delivery latency vs. send rate',
      subtitle: `${num(first.users)} users in chats of ${num(first.chat_size)}, 2 nodes; ours commits to MariaDB before pushing`,
      xLabel: 'send_message per second (each delivered to every member)',
      yLabel: 'latency (ms, log scale)',
      logY: true,
      series,
      guides: [
        { y: 100, label: 'p99 limit of the sweep (100 ms)' },
        { y: 10, label: 'target p99 at 500/s (10 ms)' },
      ],
    }),
  );
}

function fanoutChart(results: Result[]): void {
  const steps = latestBy(
    results.filter((r) => r.scenario === 'fanout' && r.kind === 'step'),
    (r) => `${String(r.system)}:${num(r.rate)}`,
  );
  if (steps.length === 0) return;
  const series = latencySeries(steps, (r) => num(r.deliveries_per_s));
  write(
    'fanout-latency.svg',
    lineChart({
      title: 'Laravel fan-out: delivery latency vs. deliveries per second',
      subtitle: `${num(steps[0]!.subscribers)} subscribers over 2 nodes; Redis PUBLISH (ours) / redis-emitter (bare)`,
      xLabel: 'deliveries per second (all nodes)',
      yLabel: 'latency (ms, log scale)',
      logY: true,
      series,
      guides: [{ y: 100, label: 'p99 limit (100 ms)' }],
    }),
  );
}

function memoryChart(results: Result[]): void {
  const steps = latestBy(
    results.filter((r) => r.scenario === 'connections' && r.kind === 'step'),
    (r) => `${String(r.system)}:${num(r.connections)}`,
  );
  if (steps.length === 0) return;
  const series: Series[] = ['kelisim', 'baseline'].map((system) => {
    const mine = steps
      .filter((r) => r.system === system)
      .sort((a, b) => num(a.connections) - num(b.connections));
    const idle = mine[0] ? [[0, num(mine[0].rss_before_mb)] as [number, number]] : [];
    return {
      name: `${label(system)} (one node)`,
      points: [
        ...idle,
        ...mine.map((r): [number, number] => [num(r.connections), num(r.rss_loaded_mb)]),
      ],
      dashed: system === 'baseline',
    };
  });
  write(
    'connections-memory.svg',
    lineChart({
      title: 'Memory vs. idle authenticated connections',
      subtitle: 'RSS of one node; ours is the all-in-one node (REST, socket.io, worker)',
      xLabel: 'idle connections on the node',
      yLabel: 'RSS (MB)',
      series,
      guides: [{ y: 250, label: 'target at 5 000 connections (250 MB)' }],
    }),
  );
}

const args = process.argv.slice(2).filter((arg) => arg !== '--');
// Paths are relative to where the command was typed (pnpm runs the script in bench/).
const cwd = process.env.INIT_CWD ?? process.cwd();
const files = args.length > 0 ? args.map((arg) => resolve(cwd, arg)) : [latestResults];
const missing = files.filter((file) => !existsSync(file));
if (missing.length > 0) {
  process.stderr.write(`no results in ${missing.join(', ')}: run pnpm bench first\n`);
  process.exit(1);
}
const results = readResults(files);
chatChart(results);
fanoutChart(results);
memoryChart(results);
