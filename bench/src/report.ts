import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
/** Every line printed by `printResult`, appended (one JSON object per line; another file in
 * `bench/results/` with `BENCH_RESULTS_FILE=<name>.jsonl`). */
export const latestResults = `${resultsDir}latest.jsonl`;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
}

const round = (value: number, digits = 3) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** Percentiles (nearest rank) of latency samples in milliseconds. */
export function summarize(samplesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const n = sorted.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, max: 0, n: 0 };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[n - 1]!),
    n,
  };
}

/**
 * A latency histogram with ~1 % relative precision from 1 µs to ~1 000 s: a fixed array of counts,
 * so load generator processes can record millions of samples cheaply and the parent can merge
 * them.
 */
export class Histogram {
  static readonly MIN_MS = 0.001;
  static readonly GROWTH = 1.01;
  static readonly BUCKETS = Math.ceil(Math.log(1e9) / Math.log(Histogram.GROWTH)) + 1;
  readonly counts: number[];
  n = 0;
  maxMs = 0;

  constructor(counts?: number[]) {
    this.counts = counts ?? new Array<number>(Histogram.BUCKETS).fill(0);
  }

  record(ms: number): void {
    const index =
      ms <= Histogram.MIN_MS
        ? 0
        : Math.min(
            Histogram.BUCKETS - 1,
            Math.ceil(Math.log(ms / Histogram.MIN_MS) / Math.log(Histogram.GROWTH)),
          );
    this.counts[index]!++;
    this.n++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(other: HistogramData): void {
    if (other.sparse) {
      for (const [index, count] of other.sparse) this.counts[index]! += count;
    } else {
      for (let i = 0; i < Histogram.BUCKETS; i++) this.counts[i]! += other.counts[i] ?? 0;
    }
    this.n += other.n;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  /** The value below which a fraction `q` of the samples lie (a bucket's upper bound). */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < Histogram.BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, Histogram.MIN_MS * Histogram.GROWTH ** i);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return {
      p50: round(this.quantile(0.5)),
      p90: round(this.quantile(0.9)),
      p99: round(this.quantile(0.99)),
      max: round(this.maxMs),
      n: this.n,
    };
  }

  /** Compact form for IPC: only the non-empty buckets. */
  toData(): HistogramData {
    const sparse: [number, number][] = [];
    this.counts.forEach((count, index) => {
      if (count > 0) sparse.push([index, count]);
    });
    return { counts: [], sparse, n: this.n, maxMs: this.maxMs };
  }

  static fromData(data: HistogramData): Histogram {
    const histogram = new Histogram();
    histogram.merge(data);
    return histogram;
  }
}

export interface HistogramData {
  /** Dense counts per bucket, or empty when `sparse` holds the non-empty buckets. */
  counts: number[];
  sparse?: [number, number][];
  n: number;
  maxMs: number;
}

/**
 * Numeric fields that say what was measured rather than what was measured to be: results of
 * repeated runs (`--runs`) are grouped by them (and by every string or boolean field) before
 * the medians of the other numbers are taken.
 */
export const PARAMETER_FIELDS = [
  'nodes',
  'users',
  'chats',
  'messages',
  'member_of',
  'queries',
  'chat_size',
  'rate',
  'target_rate',
  'connections',
  'subscribers',
  'concurrency',
  'clients',
  'duration_s',
  'step',
] as const;

const IGNORED_FIELDS = new Set(['at', 'run', 'smoke']);

let currentRun: number | undefined;
let smokeRun = false;

/** Smoke runs are marked `"smoke": true` and kept in `results/smoke.jsonl`, away from real ones. */
export function setSmoke(smoke: boolean): void {
  smokeRun = smoke;
}
const collected: { scenario: string; fields: Record<string, unknown> }[] = [];

/** While set, every printed result carries `run` and is kept for `printMedians`. */
export function setRun(run: number | undefined): void {
  currentRun = run;
}

/**
 * Prints one result as exactly one JSON line `{"scenario": ..., ...fields}` on stdout and appends
 * it to `bench/results/latest.jsonl` (`smoke.jsonl` for smoke runs).
 */
export function printResult(scenario: string, fields: object): void {
  const record = {
    scenario,
    ...fields,
    ...(currentRun === undefined ? {} : { run: currentRun }),
    ...(smokeRun ? { smoke: true } : {}),
  };
  if (currentRun !== undefined) collected.push({ scenario, fields: { ...fields } });
  const line = JSON.stringify({ ...record, at: new Date().toISOString() });
  process.stdout.write(`${line}\n`);
  mkdirSync(resultsDir, { recursive: true });
  const file = smokeRun ? 'smoke.jsonl' : (process.env.BENCH_RESULTS_FILE ?? 'latest.jsonl');
  appendFileSync(`${resultsDir}${file}`, `${line}\n`);
}

/** Prints the medians of the results collected since the last call, one line per group. */
export function printMedians(runs: number): void {
  const groups = new Map<string, { scenario: string; results: Record<string, unknown>[] }>();
  for (const { scenario, fields } of collected) {
    const identity = Object.entries(fields)
      .filter(
        ([key, value]) =>
          !IGNORED_FIELDS.has(key) &&
          (typeof value !== 'number' || (PARAMETER_FIELDS as readonly string[]).includes(key)) &&
          (typeof value !== 'object' || value === null),
      )
      .sort(([a], [b]) => a.localeCompare(b));
    const key = JSON.stringify([scenario, identity]);
    const group = groups.get(key) ?? { scenario, results: [] };
    group.results.push(fields);
    groups.set(key, group);
  }
  collected.length = 0;
  const run = currentRun;
  currentRun = undefined;
  for (const { scenario, results } of groups.values()) {
    printResult(scenario, { ...medianOfRuns(results), median_of: results.length, runs });
  }
  currentRun = run;
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Field-wise medians of several runs' results (numbers only; other fields from the first run). */
export function medianOfRuns<T extends Record<string, unknown>>(runs: T[]): T {
  const first = runs[0];
  if (!first) throw new Error('no runs');
  const result: Record<string, unknown> = { ...first };
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number') {
      result[key] = round(median(runs.map((run) => Number(run[key]))), 4);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      result[key] = medianOfRuns(runs.map((run) => run[key] as Record<string, unknown>));
    }
  }
  return result as T;
}

export { round };

const startedAt = Date.now();

/** A progress note on stderr (stdout carries only the JSON result lines). */
export function progress(message: string): void {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  process.stderr.write(`[bench +${seconds}s] ${message}\n`);
}
