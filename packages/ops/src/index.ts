export { healthRoutes, type HealthCheck } from './health.js';
export {
  instrumentedPublisher,
  createMetrics,
  httpMetrics,
  metricsRoute,
  publicMetricsRoute,
  queueStates,
  registerHandshakeRefusals,
  registerQueueGauge,
  registerSocketGauge,
  startMetricsServer,
  watchConnectionErrors,
  type Metrics,
  type MetricsServer,
} from './metrics.js';
export { runService } from './run-service.js';
