import type { AgentPool, AggregateStats } from '../client/agents.js';
import { sleep } from '../proc.js';
import { printResult, progress, round } from '../report.js';
import { startSystem, type BenchNode, type SystemUnderTest } from '../system.js';

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

/**
 * Starts a fresh system, measures it once, prints the result as the scenario's JSON line and
 * returns it; the system is stopped however the measurement ends.
 */
export async function measureFreshSystem<R extends object>(
  scenario: string,
  start: { label: string; nodes: number },
  measure: (system: SystemUnderTest) => Promise<R>,
): Promise<R> {
  const system = await startSystem(start);
  try {
    const result = await measure(system);
    printResult(scenario, result);
    return result;
  } finally {
    await system.stop();
  }
}

/** Starts our system and readies it with `prepare` (seeding, clients); stops it if that fails. */
export async function startOurSystem<T>(
  start: { label: string; nodes: number },
  prepare: (system: SystemUnderTest) => Promise<T>,
): Promise<T> {
  const system = await startSystem(start);
  try {
    return await prepare(system);
  } catch (error) {
    await system.stop();
    throw error;
  }
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
 * Starts our nodes, exercises them and stops them, then the same for the baseline (both at
 * `size`): the two systems never run at once, and each is stopped even when its exercise fails.
 */
export async function ourNodesThenBaseline<
  T extends { system: SystemName; stop(): Promise<void> },
  R,
  S,
>(
  scenario: string,
  size: S,
  sides: {
    ours: (size: S) => Promise<T>;
    baseline: (size: S) => Promise<T>;
    exercise: (target: T, size: S) => Promise<R>;
  },
): Promise<Record<SystemName, R>> {
  const results: Partial<Record<SystemName, R>> = {};
  for (const [label, start] of [
    ['our nodes', sides.ours],
    ['the baseline', sides.baseline],
  ] as const) {
    progress(`${scenario}: starting ${label}`);
    const target = await start(size);
    try {
      results[target.system] = await sides.exercise(target, size);
    } finally {
      progress(`${scenario}: stopping ${target.system}`);
      await target.stop();
    }
  }
  return results as Record<SystemName, R>;
}
