import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerHttp } from './http.js';
import { createWorkerHarness, type WorkerHarness } from './test-worker.js';

let h: WorkerHarness;
let server: Server | undefined;
afterEach(async () => {
  server?.close();
  server?.closeAllConnections();
  await h.close();
});

async function serve(isDraining: () => boolean): Promise<string> {
  const app = createWorkerHttp({
    queues: h.queues,
    healthChecks: { redis: () => h.redis.ping() },
    isDraining,
  });
  server = app.listen(0);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the worker HTTP surface', () => {
  it('exports job counts per queue and state on /metrics, read at scrape time', async () => {
    h = await createWorkerHarness('metrics');
    const url = await serve(() => false);
    for (const chatId of [1, 2, 3]) {
      await h.queues.unread.add('recomputeUnread', { chat_id: chatId });
    }
    await h.queues.files.add('processFile', { file_id: 9 }, { delay: 60_000 });

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await response.text();
    expect(body).toContain('kelisim_queue_jobs{queue="unread",state="waiting"} 3');
    expect(body).toContain('kelisim_queue_jobs{queue="unread",state="failed"} 0');
    expect(body).toContain('kelisim_queue_jobs{queue="files",state="waiting"} 0');
    expect(body).toContain('kelisim_queue_jobs{queue="files",state="delayed"} 1');
    expect(body).toMatch(/^process_cpu_user_seconds_total /m);

    await h.queues.unread.add('recomputeUnread', { chat_id: 4 });
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'kelisim_queue_jobs{queue="unread",state="waiting"} 4',
    );
  });

  it('is ready while its dependencies answer, and not while draining', async () => {
    h = await createWorkerHarness('health');
    let draining = false;
    const url = await serve(() => draining);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    draining = true;
    const response = await fetch(`${url}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'draining' });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });
});
