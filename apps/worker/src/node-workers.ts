import type { DomainContext } from '@kelisim/domain';
import type { ChatNode, RolePart } from '@kelisim/node';
import { createStorage } from '@kelisim/storage';
import type { WorkerConfig } from './config.js';
import { createProcessors } from './processors/index.js';
import { startWorkers } from './worker.js';

/** The worker role of a composed node: every queue's processors, and its place in shutdown. */
export async function startNodeWorkers(
  node: ChatNode,
  config: Pick<WorkerConfig, 'redis' | 'storage' | 'webhooks' | 'worker'>,
  ctx: DomainContext,
): Promise<RolePart> {
  if (!node.presence) throw new Error('The worker needs a node with presence (for webhooks).');
  const workers = await startWorkers({
    connection: node.bull.connection,
    prefix: node.bull.prefix,
    queues: node.jobs.queues,
    processors: createProcessors({
      ctx,
      storage: createStorage(config.storage),
      logger: node.logger,
      webhooks: { settings: config.webhooks, presence: node.presence },
      orphanGraceMs: config.worker.orphanGraceMs,
    }),
    logger: node.logger,
    concurrency: config.worker.concurrency,
    reconcileIntervalMs: config.worker.reconcileIntervalMs,
    orphanSweepIntervalMs: config.worker.orphanSweepIntervalMs,
  });
  return {
    // Finishes the active jobs; the waiting ones stay queued for other workers.
    drain: () =>
      workers.close().catch((error: unknown) => {
        node.logger.error({ err: error }, 'workers did not close cleanly');
      }),
  };
}
