import type { Job } from 'bullmq';
import { recomputeUnread, reconcileUnread, type DomainContext } from '@kelisim/domain';
import type { JobName, JobPayload } from '@kelisim/jobs';
import type { Logger } from '@kelisim/logger';
import type { Storage } from '@kelisim/storage';
import { processFile } from './process-file.js';

/** What runs each job of the catalog, given its validated payload. */
export type Processors = {
  [N in JobName]: (payload: JobPayload<N>, job: Job) => Promise<unknown>;
};

/** Most drifted counters (and stuck uploads) one reconcile run fixes; the next run does the rest. */
const reconcileBatch = 1_000;

export function createProcessors(deps: {
  ctx: DomainContext;
  storage: Storage;
  logger: Logger;
}): Processors {
  const { ctx, storage } = deps;
  return {
    processFile: (payload, job) =>
      processFile({ ctx, storage, logger: deps.logger.child({ jobId: job.id }) }, payload, {
        final: isFinalAttempt(job),
      }),
    recomputeUnread: (payload) => recomputeUnread(ctx, payload.chat_id, payload.user_ids),
    reconcileUnread: () => reconcileUnread(ctx, { limit: reconcileBatch }),
  };
}

/** The attempt running now is the last one BullMQ will make. */
export function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
