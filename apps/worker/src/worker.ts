import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { z } from 'zod';
import { jobCatalog, queueNames, type JobName, type QueueName } from '@kelisim/jobs';
import type { Logger } from '@kelisim/logger';
import type { Processors } from './processors/index.js';

export const reconcileSchedulerId = 'reconcile-unread';
export const orphanSweepSchedulerId = 'sweep-orphan-objects';

export interface WorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  /** The producer's queues (`createJobQueues(...).queues`), used to schedule the reconcile. */
  queues: Record<QueueName, Queue>;
  processors: Processors;
  logger: Logger;
  /** Jobs processed at once per queue. */
  concurrency: number;
  /** Period of the unread reconcile; 0 removes the schedule. */
  reconcileIntervalMs: number;
  /** Period of the sweep removing stored objects no file references; 0 (default) removes it. */
  orphanSweepIntervalMs?: number;
}

export interface Workers {
  workers: Record<QueueName, Worker>;
  /** Stops taking jobs and resolves once the active ones have finished. */
  close(): Promise<void>;
}

/** One BullMQ worker per queue, each dispatching by job name through the job catalog. */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const workers = Object.fromEntries(
    queueNames.map((queue) => [queue, startWorker(queue, deps)]),
  ) as Record<QueueName, Worker>;
  try {
    await schedule(deps.queues.unread, reconcileSchedulerId, 'reconcileUnread', {
      everyMs: deps.reconcileIntervalMs,
    });
    await schedule(deps.queues.files, orphanSweepSchedulerId, 'sweepOrphanObjects', {
      everyMs: deps.orphanSweepIntervalMs ?? 0,
    });
  } catch (error) {
    await closeAll(workers);
    throw error;
  }
  return { workers, close: () => closeAll(workers) };
}

function startWorker(queue: QueueName, deps: WorkerDeps): Worker {
  const logger = deps.logger.child({ queue });
  const worker = new Worker(queue, dispatcher(queue, deps.processors), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency,
  });
  worker.on('error', (error) => logger.warn({ err: error }, 'worker connection error'));
  worker.on('completed', (job) =>
    logger.debug({ jobId: job.id, job: job.name, attempt: job.attemptsMade }, 'job completed'),
  );
  worker.on('failed', (job, error) => {
    const gaveUp =
      !job || error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    logger[gaveUp ? 'error' : 'warn'](
      { err: error, jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, gaveUp },
      gaveUp ? 'job failed for good' : 'job failed, will retry',
    );
  });
  return worker;
}

/**
 * Validates a job against the catalog and runs its processor. A job that can never succeed
 * (unknown name, wrong queue, malformed payload) fails at once without retries; any error of the
 * processor propagates, so BullMQ retries it with backoff.
 */
export function dispatcher(queue: QueueName, processors: Processors) {
  return async (job: Job): Promise<unknown> => {
    const name = job.name;
    if (!isJobName(name)) throw new UnrecoverableError(`Unknown job name "${name}"`);
    const entry = jobCatalog[name];
    if (entry.queue !== queue) {
      throw new UnrecoverableError(
        `Job "${name}" belongs on queue "${entry.queue}", not "${queue}"`,
      );
    }
    const parsed = entry.payload.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`Malformed ${name} payload: ${describeIssues(parsed.error)}`);
    }
    // The payload was just validated by the schema of this very name.
    const processor = processors[name] as (payload: unknown, job: Job) => Promise<unknown>;
    return processor(parsed.data, job);
  };
}

function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`)
    .join('; ');
}

async function schedule(
  queue: Queue,
  schedulerId: string,
  name: 'reconcileUnread' | 'sweepOrphanObjects',
  { everyMs }: { everyMs: number },
): Promise<void> {
  if (everyMs <= 0) {
    await queue.removeJobScheduler(schedulerId);
    return;
  }
  // Every worker process upserts the same scheduler: one schedule however many run.
  await queue.upsertJobScheduler(schedulerId, { every: everyMs }, { name, data: {} });
}

async function closeAll(workers: Record<QueueName, Worker>): Promise<void> {
  await Promise.all(Object.values(workers).map((worker) => worker.close()));
}
