import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics, publicMetricsRoute, startMetricsServer } from './metrics.js';

const warnings: { fields: object; message: string }[] = [];
const logger = {
  info: () => undefined,
  warn: (fields: object, message: string) => void warnings.push({ fields, message }),
};

function publicApp(token: string | undefined) {
  const app = express();
  app.get('/metrics', publicMetricsRoute(createMetrics({ service: 'test' }), token));
  app.use((_req, res) => {
    res.status(404).json({ code: 'not_found' });
  });
  return supertest(app);
}

describe('/metrics on the public port', () => {
  it('does not exist without METRICS_TOKEN', async () => {
    const res = await publicApp(undefined).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('process_cpu');
  });

  it('with METRICS_TOKEN, answers only requests bearing it', async () => {
    const http = publicApp('a-long-metrics-token');
    for (const authorization of [undefined, 'Bearer wrong', 'Basic a-long-metrics-token']) {
      const request = http.get('/metrics');
      const res = await (authorization ? request.set('Authorization', authorization) : request);
      expect(res.status, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.text).not.toContain('process_cpu');
    }
    const ok = await http.get('/metrics').set('Authorization', 'Bearer a-long-metrics-token');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('process_cpu_user_seconds_total{service="test"}');
  });
});

describe('the metrics listener', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('serves GET /metrics on its own address, and nothing else', async () => {
    const server = await startMetricsServer(
      createMetrics({ service: 'test' }),
      { host: '127.0.0.1', port: 0 },
      logger,
    );
    closers.push(() => server.close());
    expect(server.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${server.port}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('process_cpu_user_seconds_total{service="test"}');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('leaves a node without metrics, with a warning naming METRICS_PORT, when the port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const { port } = taken.address() as AddressInfo;

    const server = await startMetricsServer(createMetrics(), { host: '127.0.0.1', port }, logger);
    expect(server.port).toBeUndefined();
    expect(warnings.at(-1)?.message).toContain('METRICS_PORT');
    await server.close();
  });
});
