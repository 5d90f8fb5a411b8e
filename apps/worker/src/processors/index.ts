import { UnrecoverableError, type Job } from 'bullmq';
import {
  pushUnreadCounts,
  recomputeUnread,
  reconcileUnread,
  type DomainContext,
  type PresenceReader,
} from '@kelisim/domain';
import type { JobName, JobPayload, WebhookSettings } from '@kelisim/jobs';
import type { Logger } from '@kelisim/logger';
import type { Storage } from '@kelisim/storage';
import { deliverWebhook } from './deliver-webhook.js';
import { deleteFileObjects, sweepOrphanObjects } from './file-objects.js';
import { processFile } from './process-file.js';

/** What runs each job of the catalog, given its validated payload. */
export type Processors = {
  [N in JobName]: (payload: JobPayload<N>, job: Job) => Promise<unknown>;
};

/** Most drifted counters (and stuck uploads) one reconcile run fixes; the next run does the rest. */
const reconcileBatch = 1_000;

export const defaultOrphanGraceMs = 3_600_000;

export function createProcessors(deps: {
  ctx: DomainContext;
  storage: Storage;
  logger: Logger;
  /** Laravel webhooks: where to send them, and who is online (for `recipients_offline`). */
  webhooks?: { settings: WebhookSettings; presence: PresenceReader };
  /** Age an unreferenced stored object must reach before the orphan sweep removes it. */
  orphanGraceMs?: number;
}): Processors {
  const { ctx, storage, webhooks } = deps;
  return {
    processFile: (payload, job) =>
      processFile({ ctx, storage, logger: deps.logger.child({ jobId: job.id }) }, payload, {
        final: isFinalAttempt(job),
      }),
    deleteFileObjects: (payload, job) =>
      deleteFileObjects({ ctx, storage, logger: deps.logger.child({ jobId: job.id }) }, payload),
    sweepOrphanObjects: (_payload, job) =>
      sweepOrphanObjects({
        ctx,
        storage,
        logger: deps.logger.child({ jobId: job.id }),
        graceMs: deps.orphanGraceMs ?? defaultOrphanGraceMs,
      }),
    recomputeUnread: (payload) => recomputeUnread(ctx, payload.chat_id, payload.user_ids),
    reconcileUnread: async () => {
      // Also pushes to anyone marked whose push job was never queued (a producer that died).
      await pushUnreadCounts(ctx, await ctx.jobs.takeUnreadPushes());
      return reconcileUnread(ctx, { limit: reconcileBatch });
    },
    pushUnreadCounts: async () => pushUnreadCounts(ctx, await ctx.jobs.takeUnreadPushes()),
    deliverWebhook: (payload, job) => {
      if (!webhooks?.settings.enabled) {
        throw new UnrecoverableError(
          'Webhooks are off on this worker: set LARAVEL_WEBHOOK_URL and LARAVEL_WEBHOOK_SECRET',
        );
      }
      const logger = deps.logger.child({ jobId: job.id });
      const { settings, presence } = webhooks;
      return deliverWebhook({ ctx, presence, settings, logger }, payload, job.attemptsMade + 1);
    },
  };
}

/** The attempt running now is the last one BullMQ will make. */
export function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
