export * from './catalog.js';
export { createJobQueues, type JobQueueOptions, type JobQueues } from './producer.js';
export {
  webhookEnv,
  type EnabledWebhookSettings,
  type WebhookSettings,
} from './webhook-settings.js';
export { bullConnection, bullPrefix, closeBullConnection } from './connection.js';
