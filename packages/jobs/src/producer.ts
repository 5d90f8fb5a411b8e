import { Queue, type ConnectionOptions } from 'bullmq';
import type { JobQueue } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { defaultJobOptions, jobCatalog, queueNames, type QueueName } from './catalog.js';

export interface JobQueues extends JobQueue {
  queues: Record<QueueName, Queue>;
  close(): Promise<void>;
}

/** How long a burst of unread changes of one chat waits to be recomputed once. */
const unreadDebounceMs = 500;

/** The BullMQ side of the domain's JobQueue port, for API, gateway and worker alike. */
export function createJobQueues(
  connection: ConnectionOptions,
  prefix: string,
  logger: Logger,
): JobQueues {
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
    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
