import { describe, expect, it } from 'vitest';
import { runRedisCluster } from './redis-cluster.js';

describe('redis-cluster scenario (smoke)', () => {
  it('delivers the Laravel fan-out and chat on one server and on a real Redis Cluster', async () => {
    const summaries = await runRedisCluster({ smoke: true });
    expect(summaries.map((s) => s.load)).toEqual(['fanout', 'chat']);
    for (const summary of summaries) {
      // Smoke sizes measure nothing: a busy machine may fail the p99 limit, but messages flowed.
      expect(summary.publishes_per_message_single).toBeGreaterThan(0);
      expect(summary.publishes_per_message_cluster).toBeGreaterThan(0);
      expect(summary.redis_cpu_us_per_message_cluster).toEqual(expect.any(Number));
    }
  });
});
