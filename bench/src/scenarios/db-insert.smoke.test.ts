import { describe, expect, it } from 'vitest';
import { runDbInsert } from './db-insert.js';

describe('db-insert scenario (smoke)', () => {
  it('measures the raw inserts and our sends, and every acknowledged message is stored once', async () => {
    const result = await runDbInsert({ smoke: true });

    for (const phase of [
      result.raw_tx,
      result.raw_as_ours,
      result.plain_insert,
      result.socket,
      result.rest,
    ]) {
      expect(phase.failed).toBe(0);
      expect(phase.ok).toBeGreaterThan(0);
      expect(phase.latency_ms.n).toBe(phase.ok);
    }
    expect(result.socket_vs_raw).toEqual(expect.any(Number));
    expect(result.rest_vs_raw).toEqual(expect.any(Number));
    expect(result.integrity).toEqual({
      acknowledged: result.raw_tx.ok + result.raw_as_ours.ok + result.socket.ok + result.rest.ok,
      stored: result.integrity.acknowledged,
      chats_with_gaps: 0,
      warmup_failed: 0,
    });
  });
});
