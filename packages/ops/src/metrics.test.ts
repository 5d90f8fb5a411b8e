import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import type { EventPublisher } from '@kelisim/domain';
import { RecordingPublisher } from '@kelisim/testing';
import {
  instrumentedPublisher,
  createMetrics,
  httpMetrics,
  metricsRoute,
  registerQueueGauge,
  registerSocketGauge,
} from './metrics.js';

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('metrics', () => {
  it('times requests by route pattern (never raw ids) and serves the Prometheus text format', async () => {
    const metrics = createMetrics({ service: 'test' });
    const app = express();
    app.use(httpMetrics(metrics));
    app.get('/metrics', metricsRoute(metrics));
    const router = express.Router();
    router.get('/chats/:id', (_req, res) => {
      res.json({ ok: true });
    });
    app.use('/api', router);
    const http = supertest(app);
    await http.get('/api/chats/1');
    await http.get('/api/chats/2');
    await http.get('/nowhere');
    const text = (await http.get('/metrics')).text;
    expect(
      sample(text, 'kelisim_http_request_duration_seconds_count', {
        route: '/api/chats/:id',
        status: '200',
      }),
    ).toBe(2);
    expect(
      sample(text, 'kelisim_http_request_duration_seconds_count', {
        route: 'unmatched',
        status: '404',
      }),
    ).toBe(1);
    expect(text).not.toContain('/api/chats/1');
    expect(text).toContain('service="test"');
  });

  it('counts published events, reads socket and queue gauges on scrape', async () => {
    const metrics = createMetrics();
    const recording = new RecordingPublisher();
    const publisher = instrumentedPublisher(recording, metrics);
    publisher.publish({ chatIds: [1] }, 'message_deleted', { chat_id: 1, message_id: 2, seq: 3 });
    publisher.publish({ chatIds: [1] }, 'message_deleted', { chat_id: 1, message_id: 3, seq: 4 });
    publisher.joinChat([5], 1);
    expect(recording.events).toHaveLength(2);
    expect(recording.joins).toEqual([{ userIds: [5], chatId: 1 }]);

    let sockets = 3;
    registerSocketGauge(metrics, () => sockets);
    const counts: Record<string, number> = {
      waiting: 7,
      active: 1,
      delayed: 0,
      failed: 2,
      completed: 9,
    };
    registerQueueGauge(metrics, { files: { getJobCounts: () => Promise.resolve({ ...counts }) } });
    let text = await metrics.registry.metrics();
    expect(sample(text, 'kelisim_events_published_total', { event: 'message_deleted' })).toBe(2);
    expect(
      sample(text, 'kelisim_fanout_duration_seconds_count', { event: 'message_deleted' }),
    ).toBe(2);
    expect(text).toMatch(/^kelisim_sockets_connected 3$/m);
    expect(sample(text, 'kelisim_queue_jobs', { queue: 'files', state: 'waiting' })).toBe(7);
    sockets = 0;
    counts.waiting = 0;
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^kelisim_sockets_connected 0$/m);
    expect(sample(text, 'kelisim_queue_jobs', { queue: 'files', state: 'waiting' })).toBe(0);
  });

  it('times each push from the call (right after the commit) until the publisher has handed it off', async () => {
    const metrics = createMetrics();
    const recording = new RecordingPublisher();
    const slow: EventPublisher = {
      publish(audience, event, payload) {
        const until = performance.now() + 20;
        while (performance.now() < until); // a publisher busy writing to sockets for 20 ms
        recording.publish(audience, event, payload);
      },
      joinChat: (userIds, chatId) => recording.joinChat(userIds, chatId),
      leaveChat: (userIds, chatId) => recording.leaveChat(userIds, chatId),
    };
    instrumentedPublisher(slow, metrics).publish({ chatIds: [1] }, 'message_deleted', {
      chat_id: 1,
      message_id: 2,
      seq: 3,
    });
    const text = await metrics.registry.metrics();
    const sum = sample(text, 'kelisim_fanout_duration_seconds_sum', { event: 'message_deleted' });
    expect(sum).toBeGreaterThanOrEqual(0.02);
    expect(
      sample(text, 'kelisim_fanout_duration_seconds_bucket', {
        event: 'message_deleted',
        le: '0.01',
      }),
    ).toBe(0);
  });
});
