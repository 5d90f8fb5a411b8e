export { loadWorkerConfig, workerEnv, type WorkerConfig, type WorkerSettings } from './config.js';
export { createWorkerHttp, metricStates } from './http.js';
export {
  createProcessors,
  defaultOrphanGraceMs,
  isFinalAttempt,
  type Processors,
} from './processors/index.js';
export { deleteFileObjects, sweepOrphanObjects } from './processors/file-objects.js';
export {
  deliverWebhook,
  signWebhook,
  webhookHeaders,
  type WebhookDeliveryDeps,
} from './processors/deliver-webhook.js';
export {
  dispatcher,
  orphanSweepSchedulerId,
  reconcileSchedulerId,
  startWorkers,
  type WorkerDeps,
  type Workers,
} from './worker.js';
export { startNodeWorkers } from './node-workers.js';
