import { z } from 'zod';

/** Every job the worker runs: queue, name and the zod schema of its payload. */
export const jobCatalog = {
  processFile: {
    queue: 'files',
    payload: z.object({ file_id: z.number().int().positive() }),
  },
  recomputeUnread: {
    queue: 'unread',
    payload: z.object({
      chat_id: z.number().int().positive(),
      user_ids: z.array(z.number().int().positive()).optional(),
    }),
  },
  reconcileUnread: {
    queue: 'unread',
    payload: z.object({}),
  },
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.output<(typeof jobCatalog)[N]['payload']>;
export const queueNames = ['files', 'unread'] as const;
export type QueueName = (typeof queueNames)[number];

/** Retries with exponential backoff; a job that fails this many times fails for good. */
export const defaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;
