import { Queue, type ConnectionOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
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
  /** Holds who the next unread push is for (the queues' own connection is BullMQ's). */
  redis: Redis | Cluster;
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
 * The unread push job waits this long so a burst of changes yields one push. It is one job for
 * the whole cluster (`keepLastIfActive`: one marked while it runs starts this long after it
 * ends), so a user gets ~4 pushes per second at most.
 */
const unreadPushDelayMs = 250;
const unreadPushJobId = 'unread-push';

/** The BullMQ side of the domain's JobQueue port, for API, gateway and worker alike. */
export function createJobQueues(
  connection: ConnectionOptions,
  prefix: string,
  logger: Logger,
  options: JobQueueOptions,
): JobQueues {
  const webhooksEnabled = options.webhooks?.enabled ?? false;
  const webhookOptions = {
    ...webhookJobOptions,
    backoff: {
      ...webhookJobOptions.backoff,
      delay: options.webhooks?.retryDelayMs ?? webhookJobOptions.backoff.delay,
    },
  };
  /** Who the next unread push is for: a set of `chat:<id>` and `user:<id>`. */
  const unreadPushMarks = `${prefix}:unread:push-marks`;
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
      const marks = [
        ...(audience.chatIds ?? []).map((id) => `chat:${id}`),
        ...(audience.userIds ?? []).map((id) => `user:${id}`),
      ];
      if (marks.length === 0) return;
      const markAndSchedule = async () => {
        // Already marked: a push that has not taken its marks yet will push these too.
        if ((await options.redis.sadd(unreadPushMarks, ...marks)) === 0) return;
        await queues.unread.add(
          'pushUnreadCounts',
          {},
          {
            delay: unreadPushDelayMs,
            deduplication: { id: unreadPushJobId, keepLastIfActive: true },
            removeOnComplete: true,
          },
        );
      };
      markAndSchedule().catch((error: unknown) =>
        logger.warn({ err: error, audience }, 'could not queue an unread push'),
      );
    },
    async takeUnreadPushes() {
      const marks: string[] = [];
      for (;;) {
        const taken = await options.redis.spop(unreadPushMarks, 10_000);
        if (taken.length === 0) break;
        marks.push(...taken);
      }
      const ids = (kind: string) =>
        marks.filter((m) => m.startsWith(`${kind}:`)).map((m) => Number(m.slice(kind.length + 1)));
      return { chatIds: ids('chat'), userIds: ids('user') };
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
