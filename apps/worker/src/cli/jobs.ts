/**
 * Inspects and retries background jobs:
 *   pnpm run jobs failed [queue]
 *   pnpm run jobs retry <queue> <jobId> | --all
 *   pnpm run jobs counts
 * Reads REDIS_* and CHAT_REDIS_KEY_PREFIX from the environment or .env (ENV_FILE for another file).
 */
import { Queue, type Job } from 'bullmq';
import { parseArgs } from 'node:util';
import { loadDotEnv, parseEnvSections, redisEnv, type RedisConfig } from '@kelisim/config';
import { bullPrefix, queueNames, type QueueName } from '@kelisim/jobs';
import { createRedis, type RedisClient } from '@kelisim/redis';

const usage = `Usage:
  pnpm run jobs failed [queue] [--json]   list failed jobs (all queues, or one)
  pnpm run jobs retry <queue> <jobId>     queue a failed job again, with fresh attempts
  pnpm run jobs retry <queue> --all       queue every failed job of the queue again
  pnpm run jobs counts [--json]           jobs per queue and state

Queues: ${queueNames.join(', ')}.
Connects with REDIS_* and CHAT_REDIS_KEY_PREFIX from the environment or .env
(ENV_FILE to use another file).`;

const countStates = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

class UsageError extends Error {}

type Command =
  | { kind: 'help' }
  | { kind: 'failed'; queue?: QueueName; json: boolean }
  | { kind: 'retry'; queue: QueueName; jobId: string }
  | { kind: 'retry-all'; queue: QueueName }
  | { kind: 'counts'; json: boolean };

async function main(argv: string[]): Promise<void> {
  let redis: RedisClient | undefined;
  try {
    const command = parseCommand(argv);
    if (command.kind === 'help') {
      console.log(usage);
      return;
    }
    loadDotEnv();
    const config = parseEnvSections({ redis: redisEnv }, process.env).redis;
    // One attempt, no reconnect loop: a tool should say at once that Redis is unreachable.
    redis = createRedis(config, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    let connectError: Error | undefined;
    redis.on('error', (error: Error) => (connectError ??= error));
    await redis.connect().catch((error: unknown) => {
      const reason = connectError?.message ?? String(error);
      throw new Error(`Cannot reach Redis at ${describeRedis(config)}: ${reason}`);
    });
    const connection = redis;
    const queues = Object.fromEntries(
      queueNames.map((name) => [name, new Queue(name, { connection, prefix: bullPrefix(config) })]),
    ) as Record<QueueName, Queue>;
    try {
      await run(command, queues);
    } finally {
      await Promise.allSettled(Object.values(queues).map((queue) => queue.close()));
    }
  } catch (error) {
    fail(error);
  } finally {
    redis?.disconnect();
  }
}

function describeRedis(config: RedisConfig): string {
  return config.url ? 'REDIS_URL' : `${config.host}:${config.port}`;
}

function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) return { kind: 'help' };
  const [name, ...rest] = positionals;
  switch (name) {
    case 'failed':
      if (rest.length > 1) throw new UsageError('`failed` takes at most one queue.');
      return {
        kind: 'failed',
        queue: rest[0] ? queueName(rest[0]) : undefined,
        json: !!values.json,
      };
    case 'retry': {
      const [queue, jobId, ...extra] = rest;
      if (!queue) throw new UsageError('`retry` needs a queue.');
      if (extra.length > 0) throw new UsageError('`retry` takes one queue and one job id.');
      if (values.all && jobId) throw new UsageError('Give a job id or --all, not both.');
      if (values.all) return { kind: 'retry-all', queue: queueName(queue) };
      if (!jobId) throw new UsageError('`retry` needs a job id, or --all.');
      return { kind: 'retry', queue: queueName(queue), jobId };
    }
    case 'counts':
      if (rest.length > 0) throw new UsageError('`counts` takes no arguments.');
      return { kind: 'counts', json: !!values.json };
    case undefined:
      throw new UsageError('Missing command.');
    default:
      throw new UsageError(`Unknown command "${name}".`);
  }
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function queueName(raw: string): QueueName {
  if ((queueNames as readonly string[]).includes(raw)) return raw as QueueName;
  throw new UsageError(`Unknown queue "${raw}". Queues: ${queueNames.join(', ')}.`);
}

async function run(command: Exclude<Command, { kind: 'help' }>, queues: Record<QueueName, Queue>) {
  switch (command.kind) {
    case 'failed':
      return listFailed(command.queue ? [command.queue] : [...queueNames], queues, command.json);
    case 'retry':
      return retryOne(queues[command.queue], command.jobId);
    case 'retry-all':
      return retryAll(queues[command.queue]);
    case 'counts':
      return printCounts(queues, command.json);
  }
}

interface FailedRow {
  queue: QueueName;
  id: string;
  name: string;
  attempts: string;
  failedReason: string;
  payload: unknown;
}

async function listFailed(names: QueueName[], queues: Record<QueueName, Queue>, json: boolean) {
  const rows: FailedRow[] = [];
  for (const name of names) {
    for (const job of await queues[name].getFailed(0, -1)) {
      rows.push({
        queue: name,
        id: job.id ?? '',
        name: job.name,
        attempts: `${job.attemptsMade}/${job.opts.attempts ?? 1}`,
        failedReason: job.failedReason ?? '',
        payload: job.data,
      });
    }
  }
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
  } else if (rows.length === 0) {
    console.log('No failed jobs.');
  } else {
    printTable(
      ['QUEUE', 'ID', 'NAME', 'ATTEMPTS', 'FAILED REASON', 'PAYLOAD'],
      rows.map((row) => [
        row.queue,
        row.id,
        row.name,
        row.attempts,
        shorten(row.failedReason, 100),
        shorten(JSON.stringify(row.payload) ?? '', 80),
      ]),
    );
  }
}

async function retryOne(queue: Queue, jobId: string): Promise<void> {
  const job: Job | undefined = await queue.getJob(jobId);
  if (!job) throw new Error(`No job ${jobId} in queue "${queue.name}".`);
  const state = await job.getState();
  if (state !== 'failed')
    throw new Error(`Job ${jobId} is ${state}, not failed: nothing to retry.`);
  await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  console.log(`Retrying ${queue.name} job ${jobId} (${job.name}).`);
}

async function retryAll(queue: Queue): Promise<void> {
  // A snapshot: jobs that fail again while we go are not retried twice.
  const failed = await queue.getFailed(0, -1);
  for (const job of failed) {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }
  console.log(`Retrying ${failed.length} failed ${queue.name} job(s).`);
}

async function printCounts(queues: Record<QueueName, Queue>, json: boolean): Promise<void> {
  const counts = await Promise.all(
    queueNames.map(async (queue) => ({
      queue,
      counts: await queues[queue].getJobCounts(...countStates),
    })),
  );
  if (json) {
    console.log(
      JSON.stringify(
        counts.map((c) => ({ queue: c.queue, ...c.counts })),
        null,
        2,
      ),
    );
    return;
  }
  printTable(
    ['QUEUE', ...countStates.map((state) => state.toUpperCase())],
    counts.map((c) => [c.queue, ...countStates.map((state) => String(c.counts[state] ?? 0))]),
  );
}

/** Columns separated by two spaces; cells never contain runs of whitespace. */
function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  }
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** ConfigError's message already lists every problem, one per line. */
function fail(error: unknown): void {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${usage}`);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}

await main(process.argv.slice(2));
