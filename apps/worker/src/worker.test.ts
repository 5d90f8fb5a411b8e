import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { redisTopologies, useRedisTopology } from '@kelisim/testing';
import { reconcileSchedulerId } from './worker.js';
import { createWorkerHarness, waitFor, waitForJob, type WorkerHarness } from './test-worker.js';

let h: WorkerHarness;
afterEach(() => h.close());

const workerRoot = fileURLToPath(new URL('..', import.meta.url));

/** The jobs CLI as an operator runs it, pointed at this test's Redis namespace. */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    ENV_FILE: '/nonexistent/.env',
    REDIS_HOST: h.redisConfig.host,
    REDIS_PORT: String(h.redisConfig.port),
    REDIS_DB: String(h.redisConfig.db),
    CHAT_REDIS_KEY_PREFIX: h.redisConfig.keyPrefix,
    DB_HOST: h.database.config.host,
    DB_PORT: String(h.database.config.port),
    DB_DATABASE: h.database.config.database,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/jobs.ts', ...args],
      { cwd: workerRoot, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Rows of the CLI's table, keyed by its header. Columns are separated by two or more spaces. */
function parseTable(output: string): Record<string, string>[] {
  const [header, ...lines] = output.trim().split('\n');
  const columns = header!.split(/\s{2,}/);
  return lines.map((line) => {
    const cells = line.split(/\s{2,}/);
    return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
  });
}

describe('the worker', () => {
  it('fails a malformed payload at once, lists it with the CLI, and retries it on request', async () => {
    h = await createWorkerHarness('malformed');
    const workers = await h.start();
    const malformed = await h.queues.unread.add('recomputeUnread', { chat_id: 'seven' });
    const unknown = await h.queues.unread.add('frobnicate', { chat_id: 1 });
    const misplaced = await h.queues.unread.add('processFile', { file_id: 1 });

    const failed = await waitForJob(h.queues.unread, malformed.id!);
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.opts.attempts).toBe(5);
    expect(failed.failedReason).toMatch(/^Malformed recomputeUnread payload: chat_id: /);
    const [other, wrongQueue] = [
      await waitForJob(h.queues.unread, unknown.id!),
      await waitForJob(h.queues.unread, misplaced.id!),
    ];
    expect([other.attemptsMade, other.failedReason]).toEqual([1, 'Unknown job name "frobnicate"']);
    expect([wrongQueue.attemptsMade, wrongQueue.failedReason]).toEqual([
      1,
      'Job "processFile" belongs on queue "files", not "unread"',
    ]);
    await workers.close(); // retried jobs now stay put, where the test can see them

    const listed = await runCli(['failed', 'unread']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const rows = parseTable(listed.stdout);
    expect(rows).toHaveLength(3);
    expect(rows.find((row) => row.ID === malformed.id)).toEqual({
      QUEUE: 'unread',
      ID: malformed.id,
      NAME: 'recomputeUnread',
      ATTEMPTS: '1/5',
      'FAILED REASON': expect.stringMatching(/^Malformed recomputeUnread payload: chat_id: /),
      PAYLOAD: '{"chat_id":"seven"}',
    });
    expect((await runCli(['failed', 'files'])).stdout.trim()).toBe('No failed jobs.');

    const retried = await runCli(['retry', 'unread', malformed.id!]);
    expect([retried.code, retried.stderr]).toEqual([0, '']);
    const back = await h.queues.unread.getJob(malformed.id!);
    expect(await back!.getState()).toBe('waiting');
    expect(back!.attemptsMade).toBe(0);
    const remaining = parseTable((await runCli(['failed'])).stdout);
    expect(remaining.map((row) => row.ID).sort()).toEqual([unknown.id, misplaced.id].sort());

    const all = await runCli(['retry', 'unread', '--all']);
    expect([all.code, all.stdout.trim()]).toEqual([0, 'Retrying 2 failed unread job(s).']);
    expect((await runCli(['failed'])).stdout.trim()).toBe('No failed jobs.');
    const counts = parseTable((await runCli(['counts'])).stdout);
    expect(counts.find((row) => row.QUEUE === 'unread')).toMatchObject({
      WAITING: '3',
      FAILED: '0',
    });

    await h.start(); // back in the hands of a worker, they fail again, still without retries
    for (const id of [malformed.id!, unknown.id!, misplaced.id!]) {
      const again = await waitForJob(h.queues.unread, id);
      expect([await again.getState(), again.attemptsMade]).toEqual(['failed', 1]);
    }
  });

  it('refuses bad usage with a message and exit code 1', async () => {
    h = await createWorkerHarness('cli');
    for (const args of [[], ['retry'], ['retry', 'nope', '1'], ['retry', 'unread'], ['bogus']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/Usage:/);
    }
    const missing = await runCli(['retry', 'unread', '424242']);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'No job 424242 in queue "unread".']);
    expect((await runCli(['--help'])).stdout).toMatch(/pnpm run jobs failed \[queue\]/);
  });

  it('lets active jobs finish when closed', async () => {
    h = await createWorkerHarness('shutdown');
    let started!: () => void;
    const isActive = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    const workers = await h.start({
      processors: {
        ...h.processors,
        recomputeUnread: async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          finished = true;
          return 'done';
        },
      },
    });
    const job = await h.queues.unread.add('recomputeUnread', { chat_id: 1 });
    await isActive;

    await workers.close();

    expect(finished).toBe(true);
    const after = await h.queues.unread.getJob(job.id!);
    expect(await after!.getState()).toBe('completed');
    expect(after!.returnvalue).toBe('done');
  });
});

// BullMQ's job schedulers on a Cluster too: their keys share the prefix's hash tag.
describe.each(redisTopologies)('the worker on %s', (topology) => {
  const redis = useRedisTopology(topology);

  it('schedules the periodic reconcile once across workers, and drops it when turned off', async () => {
    h = await createWorkerHarness('schedule', { redis: redis() });
    await h.start({ reconcileIntervalMs: 60_000 });
    await h.start({ reconcileIntervalMs: 60_000 });
    const schedulers = await h.queues.unread.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: reconcileSchedulerId, every: 60_000 });
    await waitFor('the first reconcile to run', async () => {
      const done = await h.queues.unread.getCompleted();
      return done.find((job) => job.name === 'reconcileUnread');
    });

    await h.start({ reconcileIntervalMs: 0 });
    expect(await h.queues.unread.getJobSchedulers()).toEqual([]);
  });
});
