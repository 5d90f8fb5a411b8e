export { healthRoutes, type HealthCheck } from './health.js';
export {
  instrumentedPublisher,
  createMetrics,
  httpMetrics,
  metricsRoute,
  queueStates,
  registerQueueGauge,
  registerSocketGauge,
  watchConnectionErrors,
  type Metrics,
} from './metrics.js';
export { runService } from './run-service.js';
