import { createServer } from 'node:http';
import { runNode } from '@kelisim/node';
import { loadWorkerConfig } from './config.js';
import { createWorkerHttp } from './http.js';
import { startNodeWorkers } from './node-workers.js';

runNode({
  service: 'worker',
  loadConfig: loadWorkerConfig,
  sockets: 'publisher',
  async start(node, config) {
    const app = createWorkerHttp({
      queues: node.jobs.queues,
      healthChecks: node.healthChecks,
      isDraining: node.isDraining,
      metrics: node.metrics,
    });
    const workers = await startNodeWorkers(node, config, node.domain());
    return {
      httpServer: createServer(app),
      port: config.worker.port,
      parts: [workers],
      connectionGraceMs: 0,
      drainTimeoutMs: 60_000,
      listening: {
        message: 'worker started',
        fields: {
          concurrency: config.worker.concurrency,
          reconcileIntervalMs: config.worker.reconcileIntervalMs,
          webhooks: config.webhooks.enabled ? new URL(config.webhooks.url).origin : 'off',
        },
      },
    };
  },
});
