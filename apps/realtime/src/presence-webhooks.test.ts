import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, createUsers, RecordingJobQueue, sleep } from '@kelisim/testing';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startTestGateway('presence-webhooks');
});
afterAll(() => h.close());

async function until(description: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${description}`);
    await sleep(20);
  }
}

describe('presence webhooks', () => {
  it('tells Laravel when a user comes online (first connection) and goes offline (last one)', async () => {
    const jobs = h.gateway.ctx.jobs as RecordingJobQueue;
    expect(jobs).toBeInstanceOf(RecordingJobQueue);
    const [user] = await createUsers(h.database.db, 1, 'Hooked');
    const presenceOf = () =>
      jobs.webhooks.filter(
        (w) =>
          w.event === 'presence.changed' && (w.payload as { user_id: number }).user_id === user!.id,
      );

    const first = await connectClient(h.url, user!.id);
    await until('online', () => presenceOf().length === 1);
    const second = await connectClient(h.url, user!.id);
    first.close();
    await sleep(300);
    expect(presenceOf()).toEqual([
      {
        event: 'presence.changed',
        payload: { user_id: user!.id, status: 'online', last_seen_at: null },
      },
    ]);

    second.close();
    await until('offline', () => presenceOf().length === 2);
    expect(presenceOf()[1]!.payload).toEqual({
      user_id: user!.id,
      status: 'offline',
      last_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });
});
