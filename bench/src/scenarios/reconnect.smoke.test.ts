import { describe, expect, it } from 'vitest';
import { runReconnect } from './reconnect.js';

describe('reconnect scenario (smoke)', () => {
  it('every client resumes after the node restart and ends up with every message of its chat', async () => {
    const result = await runReconnect({ smoke: true });

    expect(result.all_resumed).toBe(true);
    expect(result.resumed).toBe(result.clients);
    expect(result.connect_errors_after_ready).toBe(0);
    expect(result.sync_errors).toBe(0);
    expect(result.sends.failed).toBe(0);
    expect(result.sends.ok).toBeGreaterThan(0);
    expect(result.clients_behind).toBe(0);
    expect(result.messages_missing).toBe(0);
    expect(result.db_pool.pool_timeouts_logged).toBe(0);
    expect(result.resume_latency_ms.n).toBe(result.clients);
  });
});
