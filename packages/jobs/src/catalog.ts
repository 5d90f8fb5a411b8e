import { z } from 'zod';

/** One webhook for Laravel: what happened, and the delivery id Laravel deduplicates by. */
function webhook<E extends string, P extends z.ZodType>(event: E, payload: P) {
  return z.object({
    id: z.uuid(),
    event: z.literal(event),
    occurred_at: z.iso.datetime(),
    payload,
  });
}

/**
 * Every webhook event and its queued payload; the worker completes it when it sends it. Payloads
 * hold ids, never message text, so a job kept in Redis (failed ones for a week) holds none either.
 */
export const webhookPayload = z.discriminatedUnion('event', [
  webhook('message.created', z.object({ message_id: z.number().int().positive() })),
  webhook(
    'presence.changed',
    z.object({
      user_id: z.number().int().positive(),
      status: z.enum(['online', 'offline']),
      last_seen_at: z.string().nullable(),
    }),
  ),
]);

export type WebhookPayload = z.output<typeof webhookPayload>;

const id = z.number().int().positive();

function job<Q extends string, P extends z.ZodType>(queue: Q, payload: P) {
  return { queue, payload };
}

/** Every job the worker runs: queue, name and the zod schema of its payload. */
export const jobCatalog = {
  processFile: job('files', z.object({ file_id: id })),
  deleteFileObjects: job('files', z.object({ file_id: id })),
  sweepOrphanObjects: job('files', z.object({})),
  recomputeUnread: job('unread', z.object({ chat_id: id, user_ids: z.array(id).optional() })),
  reconcileUnread: job('unread', z.object({})),
  pushUnreadCounts: job('unread', z.object({})),
  deliverWebhook: job('webhooks', webhookPayload),
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.output<(typeof jobCatalog)[N]['payload']>;
export const queueNames = ['files', 'unread', 'webhooks'] as const;
export type QueueName = (typeof queueNames)[number];

/** Retries with exponential backoff; a job that fails this many times fails for good. */
export const defaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

/**
 * Webhooks are retried longer, until Laravel answers 2xx: 10 attempts, waits doubling from 5 s
 * (about 43 minutes in all), then the job stays in the failed list for `pnpm run jobs retry`.
 */
export const webhookJobOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 5_000 },
} as const;
