import type express from 'express';
import type { DomainContext } from '@kelisim/domain';
import type { ChatNode } from '@kelisim/node';
import { registerQueueGauge } from '@kelisim/ops';
import { createStorage } from '@kelisim/storage';
import { createApp } from './app.js';
import type { ApiConfig } from './config.js';
import { demoOptions } from './routes/users.js';

/** The REST app of a composed node (the api role, or the all-in-one beside its gateway). */
export function createNodeApp(
  node: ChatNode,
  config: Pick<ApiConfig, 'chat' | 'demo' | 'jwt' | 'metrics' | 'storage'>,
  domain: DomainContext,
): express.Express {
  if (!node.auth) throw new Error('The REST API needs a node with token checks.');
  registerQueueGauge(node.metrics, node.jobs.queues);
  if (config.demo.enabled) node.logger.warn('demo mode: /api/demo hands out tokens for any user');
  return createApp({
    metrics: node.metrics,
    metricsToken: config.metrics.token,
    logger: node.logger,
    verifyToken: node.auth.verifyToken,
    corsOrigins: config.chat.corsOrigins,
    demo: demoOptions(config.jwt, config.demo),
    isDraining: node.isDraining,
    healthChecks: node.healthChecks,
    domain,
    files: {
      links: node.fileLinks,
      storage: createStorage(config.storage),
      maxFileSize: config.storage.maxFileSize,
      uploadQuotaBytes: config.storage.uploadQuotaBytes,
      downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
    },
  });
}
