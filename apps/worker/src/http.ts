import type { Queue } from 'bullmq';
import express, { type Express } from 'express';
import type { QueueName } from '@kelisim/jobs';
import {
  createMetrics,
  healthRoutes,
  metricsRoute,
  queueStates,
  registerQueueGauge,
  type HealthCheck,
  type Metrics,
} from '@kelisim/ops';

/** The job states exported as `kelisim_queue_jobs{queue,state}`. */
export const metricStates = queueStates;

/** The worker's own HTTP surface: `/health/*` and Prometheus `/metrics`. */
export function createWorkerHttp(deps: {
  queues: Record<QueueName, Queue>;
  healthChecks: Record<string, HealthCheck>;
  isDraining: () => boolean;
  metrics?: Metrics;
}): Express {
  const metrics = deps.metrics ?? createMetrics();
  registerQueueGauge(metrics, deps.queues);
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(deps.healthChecks, deps.isDraining));
  app.get('/metrics', metricsRoute(metrics));
  return app;
}
