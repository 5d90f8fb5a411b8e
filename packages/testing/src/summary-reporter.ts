import type { Reporter, SerializedError, TestModule, Vitest } from 'vitest/node';

interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts a finished run. A module that failed without any failed test (an import error, a
 * failing `beforeAll`/`afterAll`) counts as one failure, and so does each unhandled error.
 * Tests still pending when the run ended (interrupted, bail) never ran and count as skipped.
 */
function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
): RunCounts {
  const counts: RunCounts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  for (const testModule of testModules) {
    let failedTests = 0;
    for (const test of testModule.children.allTests()) {
      const { state } = test.result();
      if (state === 'passed') counts.passed += 1;
      else if (state === 'failed') failedTests += 1;
      else counts.skipped += 1;
    }
    counts.failed += failedTests;
    if (failedTests === 0 && testModule.state() === 'failed') counts.failed += 1;
  }
  return counts;
}

function formatSummary({ passed, failed, skipped }: RunCounts): string {
  return `vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

/** Ends the run's output with the plain `vitest: P passed, F failed, S skipped` line CI reads. */
export default class SummaryReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const line = formatSummary(countRun(testModules, unhandledErrors));
    if (this.vitest) this.vitest.logger.log(line);
    else process.stdout.write(`${line}\n`);
  }
}
