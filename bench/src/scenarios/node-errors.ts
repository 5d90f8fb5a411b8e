import type { BenchNode } from '../system.js';

/** The warning and error lines the nodes logged (pino JSON, or any line saying "error"). */
export function warnAndErrorLines(nodes: BenchNode[]): string[] {
  return nodes.flatMap((node) => node.logs.filter(isWarnOrError));
}

function isWarnOrError(line: string): boolean {
  try {
    const { level } = JSON.parse(line) as { level?: string };
    // warn (e.g. "database unavailable" → 503) and above
    return level === 'warn' || level === 'error' || level === 'fatal';
  } catch {
    return /error/i.test(line);
  }
}

/** The most frequent warning and error log messages, `count× msg: err.message`. */
export function topErrors(lines: string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    let key = line.slice(0, 160);
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      key = `${entry.msg ?? ''}: ${entry.err?.message?.split('\n')[0]?.slice(0, 160) ?? ''}`;
    } catch {
      // not pino JSON: the line itself
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([key, count]) => `${count}× ${key}`);
}
