import { describe, expect, it } from 'vitest';
import { Histogram, median, medianOfRuns, summarize } from './report.js';

describe('summarize', () => {
  it('gives nearest-rank percentiles of the samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(samples)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100, n: 100 });
    expect(summarize([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, n: 0 });
  });
});

describe('Histogram', () => {
  it('agrees with the exact percentiles within its 1 % buckets, also when merged', () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => 0.05 + (i % 997) * 0.37);
    const halves = [new Histogram(), new Histogram()];
    samples.forEach((ms, i) => halves[i % 2]!.record(ms));
    const merged = Histogram.fromData(halves[0]!.toData());
    merged.merge(halves[1]!.toData());
    const exact = summarize(samples);
    const approx = merged.summary();
    expect(approx.n).toBe(exact.n);
    expect(approx.max).toBe(exact.max);
    for (const q of ['p50', 'p90', 'p99'] as const) {
      expect(approx[q]).toBeGreaterThanOrEqual(exact[q] * 0.99);
      expect(approx[q]).toBeLessThanOrEqual(exact[q] * 1.011);
    }
  });
});

describe('medians of runs', () => {
  it('takes the median of every number, nested ones included, and keeps the rest', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const runs = [
      { system: 'kelisim', rate: 500, p: { p99: 9 } },
      { system: 'kelisim', rate: 500, p: { p99: 4 } },
      { system: 'kelisim', rate: 500, p: { p99: 5 } },
    ];
    expect(medianOfRuns(runs)).toEqual({ system: 'kelisim', rate: 500, p: { p99: 5 } });
  });
});
