import { Queue, type ConnectionOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { JobQueue } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import {
  defaultJobOptions,
  jobCatalog,
  queueNames,
  webhookJobOptions,
  type QueueName,
} from './catalog.js';

export interface JobQueues extends JobQueue {
  queues: Record<QueueName, Queue>;
  close(): Promise<void>;
}

export interface JobQueueOptions {
  /** Queue webhooks for Laravel (`notifyLaravel`); off unless LARAVEL_WEBHOOK_URL is set. */
  webhooks?: {
    enabled: boolean;
    /** First wait before a failed delivery is retried; it doubles each time (tests shorten it). */
    retryDelayMs?: number;
  };
}

/** How long a burst of unread changes of one chat waits to be recomputed once. */
const unreadDebounceMs = 500;

/**
 * Unread pushes wait this long so a burst of changes yields one push. With `keepLastIfActive`, a
 * push queued while that user's push runs starts this long after it ends: at most ~4 per second.
 */
const unreadPushDelayMs = 250;
/** A chat's participants are looked up once per burst of changes, then pushed to one by one. */
const chatUnreadPushDelayMs = 100;

/** The BullMQ side of the domain's JobQueue port, for API, gateway and worker alike. */
export function createJobQueues(
  connection: ConnectionOptions,
  prefix: string,
  logger: Logger,
  options: JobQueueOptions = {},
): JobQueues {
  const webhooksEnabled = options.webhooks?.enabled ?? false;
  const webhookOptions = {
    ...webhookJobOptions,
    backoff: {
      ...webhookJobOptions.backoff,
      delay: options.webhooks?.retryDelayMs ?? webhookJobOptions.backoff.delay,
    },
  };
  const queues = Object.fromEntries(
    queueNames.map((name) => [name, new Queue(name, { connection, prefix, defaultJobOptions })]),
  ) as Record<QueueName, Queue>;
  for (const queue of Object.values(queues)) {
    queue.on('error', (error) => logger.warn({ err: error, queue: queue.name }, 'job queue error'));
  }
  return {
    queues,
    async processFile(fileId) {
      const payload = jobCatalog.processFile.payload.parse({ file_id: fileId });
      // No fixed job id: re-queueing a stuck upload must work even while an old job record is
      // kept; processing is idempotent, so a duplicate run posts nothing twice.
      await queues.files.add('processFile', payload);
    },
    deleteFileObjects(fileId) {
      const payload = jobCatalog.deleteFileObjects.payload.parse({ file_id: fileId });
      queues.files
        .add('deleteFileObjects', payload, { jobId: `delete-file-objects-${fileId}` })
        .catch((error: unknown) =>
          logger.warn(
            { err: error, fileId },
            'could not queue removing stored objects; the orphan sweep will remove them',
          ),
        );
    },
    recomputeUnread(chatId, userIds) {
      const payload = jobCatalog.recomputeUnread.payload.parse({
        chat_id: chatId,
        user_ids: userIds,
      });
      const id = userIds?.length
        ? `unread-${chatId}-${[...userIds].sort().join('.')}`
        : `unread-${chatId}`;
      queues.unread
        .add('recomputeUnread', payload, {
          delay: unreadDebounceMs,
          deduplication: { id, keepLastIfActive: true },
        })
        .catch((error: unknown) =>
          logger.warn({ err: error, chatId }, 'could not queue an unread recompute'),
        );
    },
    pushUnreadCounts(audience) {
      const jobs = [
        ...(audience.userIds ?? []).map((userId) => ({
          name: 'pushUnreadCounts' as const,
          data: jobCatalog.pushUnreadCounts.payload.parse({ user_id: userId }),
          id: `unread-push:${userId}`,
          delay: unreadPushDelayMs,
        })),
        ...(audience.chatIds ?? []).map((chatId) => ({
          name: 'pushChatUnreadCounts' as const,
          data: jobCatalog.pushChatUnreadCounts.payload.parse({ chat_id: chatId }),
          id: `unread-push-chat:${chatId}`,
          delay: chatUnreadPushDelayMs,
        })),
      ];
      for (const { name, data, id, delay } of jobs) {
        queues.unread
          .add(name, data, {
            delay,
            deduplication: { id, keepLastIfActive: true },
            removeOnComplete: true,
          })
          .catch((error: unknown) =>
            logger.warn({ err: error, deduplicationId: id }, 'could not queue an unread push'),
          );
      }
    },
    notifyLaravel(event, payload) {
      if (!webhooksEnabled) return;
      const parsed = jobCatalog.deliverWebhook.payload.safeParse({
        id: randomUUID(),
        event,
        occurred_at: new Date().toISOString(),
        payload,
      });
      if (!parsed.success) {
        logger.error({ err: parsed.error, event }, 'webhook payload does not match its schema');
        return;
      }
      const webhook = parsed.data;
      // The delivery id doubles as the job id: `pnpm run jobs` finds a delivery by it.
      queues.webhooks
        .add('deliverWebhook', webhook, { ...webhookOptions, jobId: webhook.id })
        .catch((error: unknown) =>
          logger.error(
            { err: error, event, deliveryId: webhook.id },
            'could not queue a webhook: Laravel will not hear of this event',
          ),
        );
    },
    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
