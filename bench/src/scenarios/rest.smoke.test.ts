import { describe, expect, it } from 'vitest';
import { runRest } from './rest.js';

describe('rest scenario (smoke)', () => {
  it('loads health, paged history and sends on both nodes without a failed request', async () => {
    const result = await runRest({ smoke: true });

    for (const phase of [result.health_live, result.get_before, result.post_messages]) {
      expect(phase.requests).toBeGreaterThan(0);
      expect(phase.non_2xx).toBe(0);
      expect(phase.errors).toBe(0);
      expect(phase.latency_ms.n).toBe(phase.requests);
    }
    expect(Object.keys(result.post_messages.status_codes)).toEqual(['201']);
    // Requests still in flight when autocannon stops are stored without being counted.
    expect(result.post_messages.stored).toBeGreaterThanOrEqual(result.post_messages.requests);
    expect(result.get_vs_health).toEqual(expect.any(Number));
  });
});
