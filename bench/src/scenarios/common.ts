import type { AgentPool, AggregateStats } from '../client/agents.js';
import { sleep } from '../proc.js';
import { progress, round } from '../report.js';
import type { BenchNode } from '../system.js';

/** A list of numbers from an environment variable (`"100,250,500"`), or the default. */
export function numbersFromEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isFinite(value) || value <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive numbers`);
  }
  return values;
}

export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** Numeric settings, each from its environment variable or its default: `{name: [VAR, default]}`. */
export function settingsFromEnv<K extends string>(
  table: Record<K, [variable: string, fallback: number]>,
): Record<K, number> {
  const entries = Object.entries(table) as [K, [string, number]][];
  return Object.fromEntries(
    entries.map(([name, [variable, fallback]]) => [name, numberFromEnv(variable, fallback)]),
  ) as Record<K, number>;
}

export async function totalCpuSeconds(nodes: BenchNode[]): Promise<number> {
  const values = await Promise.all(nodes.map((node) => node.cpuSeconds()));
  return values.reduce((sum, value) => sum + value, 0);
}

export async function totalRssBytes(nodes: BenchNode[]): Promise<number> {
  const values = await Promise.all(nodes.map((node) => node.rssBytes()));
  return values.reduce((sum, value) => sum + value, 0);
}

/** Polls `check` every `intervalMs` until it holds or `timeoutMs` passes; says whether it held. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * After a load window: waits until every send is acked and `expected()` deliveries arrived, or
 * nothing more arrives for a second, or `timeoutMs` passes. Returns the final stats.
 */
export async function drain(
  pool: AgentPool,
  expected: (stats: AggregateStats) => number,
  timeoutMs = 20_000,
): Promise<AggregateStats> {
  let stats = await pool.stats();
  let lastChange = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const settled = stats.acked + stats.ackErrors >= stats.sent;
    if (settled && stats.deliveries + stats.duplicates >= expected(stats)) break;
    if (settled && Date.now() - lastChange > 1_000) break;
    await sleep(100);
    const next = await pool.stats();
    if (next.deliveries !== stats.deliveries || next.acked !== stats.acked) lastChange = Date.now();
    stats = next;
  }
  return stats;
}

/** `part / whole`, rounded, or null when there is no whole. */
export function ratio(part: number, whole: number, digits = 3): number | null {
  return whole > 0 ? round(part / whole, digits) : null;
}

export const MB = 1024 * 1024;

export type SystemName = 'kelisim' | 'baseline';

/**
 * Starts our nodes, exercises them and stops them, then the same for the baseline: the two
 * systems never run at once, and each is stopped even when its exercise fails.
 */
export async function ourNodesThenBaseline<
  T extends { system: SystemName; stop(): Promise<void> },
  R,
>(
  scenario: string,
  starts: { ours: () => Promise<T>; baseline: () => Promise<T> },
  exercise: (target: T) => Promise<R>,
): Promise<Record<SystemName, R>> {
  const results: Partial<Record<SystemName, R>> = {};
  for (const [label, start] of [
    ['our nodes', starts.ours],
    ['the baseline', starts.baseline],
  ] as const) {
    progress(`${scenario}: starting ${label}`);
    const target = await start();
    try {
      results[target.system] = await exercise(target);
    } finally {
      progress(`${scenario}: stopping ${target.system}`);
      await target.stop();
    }
  }
  return results as Record<SystemName, R>;
}
