export * from './catalog.js';
export { createJobQueues, type JobQueues } from './producer.js';
export { bullConnection, bullPrefix } from './connection.js';
