import type { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { QueueName } from '@kelisim/jobs';
import { healthRoutes, type HealthCheck } from '@kelisim/ops';

/** The job states exported as `kelisim_queue_jobs{queue,state}`. */
export const metricStates = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** The worker's own HTTP surface: `/health/*` and Prometheus `/metrics`. */
export function createWorkerHttp(deps: {
  queues: Record<QueueName, Queue>;
  healthChecks: Record<string, HealthCheck>;
  isDraining: () => boolean;
}): Express {
  const registry = createMetrics(deps.queues);
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(deps.healthChecks, deps.isDraining));
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}

function createMetrics(queues: Record<QueueName, Queue>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'kelisim_queue_jobs',
    help: 'Jobs per BullMQ queue and state, read from Redis on every scrape.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          const counts = await queue.getJobCounts(...metricStates);
          for (const state of metricStates) this.set({ queue: name, state }, counts[state] ?? 0);
        }),
      );
    },
  });
  return registry;
}
