import type { ConnectionOptions, Job, JobState, Queue } from 'bullmq';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RedisConfig } from '@kelisim/config';
import type { DomainContext } from '@kelisim/domain';
import {
  bullConnection,
  bullPrefix,
  createJobQueues,
  queueNames,
  type EnabledWebhookSettings,
  type JobQueues,
  type QueueName,
} from '@kelisim/jobs';
import { silentLogger } from '@kelisim/logger';
import {
  createDomainContext,
  createPresence,
  createRedis,
  type Presence,
  type RedisClient,
} from '@kelisim/redis';
import { createLocalStorage } from '@kelisim/storage';
import {
  createTestDatabase,
  deleteKeysUnder,
  looseMembershipLimits,
  RecordingPublisher,
  testRedisConfig,
  type TestDatabase,
} from '@kelisim/testing';
import { createProcessors, type Processors } from './processors/index.js';
import { startWorkers, type Workers } from './worker.js';

export interface WorkerHarness {
  database: TestDatabase;
  redisConfig: RedisConfig;
  redis: RedisClient;
  connection: ConnectionOptions;
  /** The BullMQ prefix, under the test's own Redis key prefix. */
  prefix: string;
  /** The real producer, also the domain context's JobQueue. */
  jobs: JobQueues;
  queues: Record<QueueName, Queue>;
  publisher: RecordingPublisher;
  /** Cluster presence in the test's namespace (who the webhooks count as online). */
  presence: Presence;
  ctx: DomainContext;
  processors: Processors;
  /** Starts workers in this process; `close()` stops whichever are still running. */
  start(options?: {
    processors?: Processors;
    reconcileIntervalMs?: number;
    orphanSweepIntervalMs?: number;
  }): Promise<Workers>;
  close(): Promise<void>;
}

export interface WorkerHarnessOptions {
  /** Webhooks on, sent there; off (nothing queued) when unset. */
  webhooks?: EnabledWebhookSettings;
  /** First retry wait of a failed webhook (it doubles each time); short in tests. */
  webhookRetryDelayMs?: number;
  /** Another Redis than the shared test server, e.g. a Redis Cluster of the test's own. */
  redis?: RedisConfig;
}

/** A worker's world of its own: database, Redis namespace, BullMQ prefix and producer. */
export async function createWorkerHarness(
  label: string,
  options: WorkerHarnessOptions = {},
): Promise<WorkerHarness> {
  const database = await createTestDatabase(label);
  const redisConfig = options.redis ?? testRedisConfig();
  const redis = createRedis(redisConfig);
  const logger = silentLogger();
  const connection = bullConnection(redisConfig);
  const prefix = bullPrefix(redisConfig);
  const jobs = createJobQueues(connection, prefix, logger, {
    redis,
    webhooks: {
      enabled: options.webhooks !== undefined,
      retryDelayMs: options.webhookRetryDelayMs,
    },
  });
  const presence = createPresence(redis, { keyPrefix: redisConfig.keyPrefix, ttlMs: 30_000 });
  const publisher = new RecordingPublisher();
  const ctx = createDomainContext({
    db: database.db,
    redis,
    events: publisher,
    jobs,
    chat: {
      messageMaxLength: 1_000,
      sendRateLimit: { points: 1_000_000, windowSeconds: 60 },
      ...looseMembershipLimits,
    },
    keyPrefix: redisConfig.keyPrefix,
  });
  const storageRoot = await mkdtemp(path.join(tmpdir(), 'kelisim-worker-'));
  const processors = createProcessors({
    ctx,
    storage: createLocalStorage(storageRoot),
    logger,
    webhooks: { settings: options.webhooks ?? { enabled: false }, presence },
  });
  const running: Workers[] = [];

  return {
    database,
    redisConfig,
    redis,
    connection,
    prefix,
    jobs,
    queues: jobs.queues,
    publisher,
    presence,
    ctx,
    processors,
    async start(options = {}) {
      const workers = await startWorkers({
        connection,
        prefix,
        queues: jobs.queues,
        processors: options.processors ?? processors,
        logger,
        concurrency: 4,
        reconcileIntervalMs: options.reconcileIntervalMs ?? 0,
        orphanSweepIntervalMs: options.orphanSweepIntervalMs ?? 0,
      });
      running.push(workers);
      return workers;
    },
    async close() {
      await Promise.allSettled(running.map((workers) => workers.close()));
      await jobs.close();
      await deleteKeysUnder(redis, redisConfig.keyPrefix);
      await redis.quit();
      await database.drop();
      await rm(storageRoot, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns something other than undefined/false; generous, never a threshold. */
export async function waitFor<T>(
  description: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pendingStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused'];

/** Waits until no queue holds a job that is still to run (twice in a row, to let stragglers land). */
export async function waitForDrained(queues: Record<QueueName, Queue>): Promise<void> {
  let quietPolls = 0;
  await waitFor('the queues to drain', async () => {
    const pending = await Promise.all(
      queueNames.map((name) => queues[name].getJobCountByTypes(...(pendingStates as JobState[]))),
    );
    quietPolls = pending.every((count) => count === 0) ? quietPolls + 1 : 0;
    return quietPolls >= 3;
  });
}

/** Waits until the job reaches one of `states`, then returns it freshly read. */
export async function waitForJob(
  queue: Queue,
  id: string,
  states: JobState[] = ['completed', 'failed'],
): Promise<Job> {
  return waitFor(`job ${id} to be ${states.join(' or ')}`, async () => {
    // State first, then the job: a job read before it settles holds stale attempt counts.
    const state = await queue.getJobState(id);
    if (!states.includes(state as JobState)) return undefined;
    return queue.getJob(id);
  });
}
