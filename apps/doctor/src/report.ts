/** pass ✔; warn ⚠ (works, but unproven or not as recommended); fail ✖; skip – (needs a failed one). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  /** What was checked, e.g. `Database`. */
  name: string;
  /** What was found. */
  found: string;
  /** What to do about it (fail and warn). */
  fix?: string | undefined;
  /** Lines shown under the check, e.g. the migrations that are pending. */
  details?: string[] | undefined;
}

export const marks: Record<CheckStatus, string> = {
  pass: '✔',
  warn: '⚠',
  fail: '✖',
  skip: '–',
};

export const pass = (name: string, found: string, details?: string[]): CheckResult => ({
  status: 'pass',
  name,
  found,
  details,
});

export const warn = (name: string, found: string, fix: string, details?: string[]) =>
  ({ status: 'warn', name, found, fix, details }) satisfies CheckResult;

export const fail = (name: string, found: string, fix: string, details?: string[]) =>
  ({ status: 'fail', name, found, fix, details }) satisfies CheckResult;

export const skip = (name: string, because: string): CheckResult => ({
  status: 'skip',
  name,
  found: `not checked: ${because}`,
});

/** One line per check (`✔ Name: found — fix`), its details indented under it, then a summary. */
export function formatReport(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const fix = result.fix ? ` — ${result.fix}` : '';
    lines.push(`${marks[result.status]} ${result.name}: ${result.found}${fix}`);
    for (const detail of result.details ?? []) lines.push(`    ${detail}`);
  }
  lines.push('', summarize(results));
  return `${lines.join('\n')}\n`;
}

function summarize(results: CheckResult[]): string {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const failed = count('fail');
  const warned = count('warn');
  const skipped = count('skip');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (failed === 0) {
    return warned === 0
      ? `All ${results.length} checks passed.`
      : `No check failed; ${plural(warned, 'warning')} above.`;
  }
  const extra = [warned && plural(warned, 'warning'), skipped && `${skipped} not checked`]
    .filter(Boolean)
    .join(', ');
  return `${plural(failed, 'check')} failed${extra ? ` (${extra})` : ''}: fix the ✖ lines and run \`pnpm run doctor\` again.`;
}

export function exitCode(results: CheckResult[]): number {
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}
