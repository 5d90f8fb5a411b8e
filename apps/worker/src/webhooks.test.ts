import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@kelisim/config';
import { createChat, sendMessage } from '@kelisim/domain';
import type { EnabledWebhookSettings } from '@kelisim/jobs';
import { createUsers, listenOnLoopback, type TestUser } from '@kelisim/testing';
import { loadWorkerConfig } from './config.js';
import {
  createWorkerHarness,
  waitFor,
  waitForJob,
  type WorkerHarness,
  type WorkerHarnessOptions,
} from './test-worker.js';

const secret = 'laravel-side-webhook-secret-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Laravel's end, reduced to a recorder: `respond` picks the status (and may stall). */
interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

async function startReceiver(
  respond: (request: Received, index: number) => number | Promise<number> = () => 200,
): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      void Promise.resolve(respond(request, received.length - 1)).then((status) => {
        if (!res.destroyed) res.writeHead(status, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
  });
  const { baseUrl, close } = await listenOnLoopback(server);
  return { url: `${baseUrl}/webhooks/kelisim`, received, close };
}

/** What Laravel does with the headers, written independently of the worker's code. */
function verifySignature(request: Received): boolean {
  const timestamp = request.headers['x-kelisim-timestamp'];
  const signature = request.headers['x-kelisim-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Waits until the receiver holds at least `count` requests. */
function arrived(receiver: Receiver, count: number): Promise<true> {
  return waitFor(`${count} webhook request(s)`, () =>
    Promise.resolve(receiver.received.length >= count || undefined),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Queues a presence webhook for `userId` and waits until the receiver holds `count` requests. */
async function notifyUntilArrived(receiver: Receiver, userId: number, count: number) {
  h!.jobs.notifyLaravel('presence.changed', {
    user_id: userId,
    status: 'online',
    last_seen_at: null,
  });
  await arrived(receiver, count);
}

/** The job behind the receiver's `index`th request. */
function jobOfDelivery(receiver: Receiver, index: number) {
  const deliveryId = receiver.received[index]!.headers['x-kelisim-delivery'] as string;
  return waitForJob(h!.queues.webhooks, deliveryId);
}

let h: WorkerHarness | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await h?.close();
  await receiver?.close();
  h = undefined;
  receiver = undefined;
});

async function setUp(
  label: string,
  respond?: Parameters<typeof startReceiver>[0],
  options: Partial<EnabledWebhookSettings> & Pick<WorkerHarnessOptions, 'webhookRetryDelayMs'> = {},
) {
  receiver = await startReceiver(respond);
  const { webhookRetryDelayMs, ...settings } = options;
  h = await createWorkerHarness(label, {
    webhooks: { enabled: true, url: receiver.url, secret, timeoutMs: 5_000, ...settings },
    webhookRetryDelayMs: webhookRetryDelayMs ?? 100,
  });
  await h.start();
  return { h, receiver };
}

async function chatOf(harness: WorkerHarness, users: TestUser[]): Promise<number> {
  const [owner, ...others] = users;
  const { chat } = await createChat(
    harness.ctx,
    { userId: owner!.id },
    { type: others.length === 1 ? 'direct' : 'group', participant_ids: others.map((u) => u.id) },
  );
  return chat.id;
}

describe('webhooks to Laravel', () => {
  it('delivers message.created with a signature Laravel can verify with the shared secret', async () => {
    const { h, receiver } = await setUp('webhook-signed');
    const [alice, bob] = await createUsers(h.database.db, 2, 'Hook');
    const chatId = await chatOf(h, [alice!, bob!]);
    const sentAt = Math.floor(Date.now() / 1000);
    const { message } = await sendMessage(
      h.ctx,
      { userId: alice!.id },
      { chatId, content: 'Hello 👋 Laravel', tempId: 't-1' },
    );

    await arrived(receiver, 1);
    const [request] = receiver.received;
    expect(verifySignature(request!)).toBe(true);
    expect(verifySignature({ ...request!, body: request!.body.replace('Hello', 'Hallo') })).toBe(
      false,
    );
    const deliveryId = request!.headers['x-kelisim-delivery'] as string;
    expect(deliveryId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-kelisim-event': 'message.created',
      'x-kelisim-signature': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
    });
    const timestamp = Number(request!.headers['x-kelisim-timestamp']);
    expect(Math.abs(timestamp - sentAt)).toBeLessThan(60);

    expect(JSON.parse(request!.body)).toEqual({
      id: deliveryId,
      event: 'message.created',
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { message, recipients_offline: [bob!.id], recipients_muted: [] },
    });
    expect(JSON.parse(request!.body).data.message.content).toBe('Hello 👋 Laravel');
    const job = await waitForJob(h.queues.webhooks, deliveryId);
    expect([await job.getState(), job.attemptsMade]).toEqual(['completed', 1]);

    // A retried send (same temp_id) is the same message: Laravel hears of it once.
    await sendMessage(h.ctx, { userId: alice!.id }, { chatId, content: 'Hello', tempId: 't-1' });
    await sleep(500);
    expect(receiver.received).toHaveLength(1);
  });

  it('keeps a failed message.created job in Redis with the message id, never the message text', async () => {
    const { h, receiver } = await setUp('webhook-failed-ids', () => 422);
    const [alice, bob] = await createUsers(h.database.db, 2, 'Hook');
    const chatId = await chatOf(h, [alice!, bob!]);
    const text = 'the secret plan 🗝️';
    const { message } = await sendMessage(h.ctx, { userId: alice!.id }, { chatId, content: text });

    await arrived(receiver, 1);
    expect(JSON.parse(receiver.received[0]!.body).data.message).toEqual(message);
    const deliveryId = receiver.received[0]!.headers['x-kelisim-delivery'] as string;
    const job = await waitForJob(h.queues.webhooks, deliveryId);
    expect(await job.getState()).toBe('failed');
    expect(job.data).toEqual({
      id: deliveryId,
      event: 'message.created',
      occurred_at: expect.any(String),
      payload: { message_id: message.id },
    });
    const stored = await h.redis.hgetall(`${h.prefix}:webhooks:${deliveryId}`);
    expect(Object.keys(stored)).toContain('data');
    expect(JSON.stringify(stored)).not.toContain('secret plan');
  });

  it('retries with backoff until Laravel answers 2xx, under one delivery id, then stops', async () => {
    const { h, receiver } = await setUp('webhook-retry', (_request, index) =>
      index < 2 ? 500 : 200,
    );
    h.jobs.notifyLaravel('presence.changed', {
      user_id: 42,
      status: 'offline',
      last_seen_at: '2026-11-25T10:00:00.000Z',
    });

    await arrived(receiver, 3);
    const ids = receiver.received.map((request) => request.headers['x-kelisim-delivery']);
    expect(new Set(ids).size).toBe(1);
    expect(receiver.received.every(verifySignature)).toBe(true);
    expect(receiver.received.map((request) => JSON.parse(request.body).data)).toEqual(
      Array(3).fill({ user_id: 42, status: 'offline', last_seen_at: '2026-11-25T10:00:00.000Z' }),
    );
    const job = await waitForJob(h.queues.webhooks, ids[0] as string);
    expect([await job.getState(), job.attemptsMade, job.opts.attempts]).toEqual([
      'completed',
      3,
      10,
    ]);
    await sleep(1_500); // well past the next backoff step: nothing more arrives
    expect(receiver.received).toHaveLength(3);
  });

  it('lists as offline the participants other than the sender with no live connection', async () => {
    const { h, receiver } = await setUp('webhook-offline');
    const [sender, online, offline] = await createUsers(h.database.db, 3, 'Presence');
    const chatId = await chatOf(h, [sender!, online!, offline!]);
    await h.presence.connect(online!.id, 'socket-of-online');
    await h.presence.connect(sender!.id, 'socket-of-sender');
    await sendMessage(h.ctx, { userId: sender!.id }, { chatId, content: 'Anyone there?' });

    await arrived(receiver, 1);
    const { data } = JSON.parse(receiver.received[0]!.body);
    expect(data.recipients_offline).toEqual([offline!.id]);

    // Computed when sent: once the online user leaves, the next message lists both.
    await h.presence.disconnect(online!.id, 'socket-of-online');
    await sendMessage(h.ctx, { userId: sender!.id }, { chatId, content: 'Hello?' });
    await arrived(receiver, 2);
    const second = JSON.parse(receiver.received[1]!.body).data;
    expect(second.recipients_offline).toEqual([online!.id, offline!.id].sort((a, b) => a - b));
  });

  it('fails at once on a redirect or a 4xx a retry cannot change; retries 429 and timeouts', async () => {
    const { receiver } = await setUp(
      'webhook-4xx',
      async (request, index) => {
        if (request.body.includes('"user_id":7')) return 422;
        if (request.body.includes('"user_id":8')) return 301;
        if (index === 0) return 429;
        if (index === 1) await sleep(1_500); // longer than the timeout
        return 200;
      },
      { timeoutMs: 300 },
    );
    await notifyUntilArrived(receiver, 5, 3);
    const retried = await jobOfDelivery(receiver, 0);
    expect([await retried.getState(), retried.attemptsMade]).toEqual(['completed', 3]);

    await notifyUntilArrived(receiver, 7, 4);
    const rejected = await jobOfDelivery(receiver, 3);
    expect([await rejected.getState(), rejected.attemptsMade]).toEqual(['failed', 1]);
    expect(rejected.failedReason).toMatch(/answered 422: ok \(not retried/);

    await notifyUntilArrived(receiver, 8, 5);
    const redirected = await jobOfDelivery(receiver, 4);
    expect([await redirected.getState(), redirected.attemptsMade]).toEqual(['failed', 1]);
    expect(redirected.failedReason).toMatch(/answered 301, a redirect .* are not followed/);
  });

  it('queues nothing when LARAVEL_WEBHOOK_URL is unset', async () => {
    const config = loadWorkerConfig({});
    expect(config.webhooks).toEqual({ enabled: false });
    h = await createWorkerHarness(
      'webhook-off',
      config.webhooks.enabled ? { webhooks: config.webhooks } : {},
    );
    await h.start();
    const [alice, bob] = await createUsers(h.database.db, 2, 'Off');
    const chatId = await chatOf(h, [alice!, bob!]);
    await sendMessage(h.ctx, { userId: alice!.id }, { chatId, content: 'Nobody is told' });
    h.jobs.notifyLaravel('presence.changed', { user_id: 1, status: 'online', last_seen_at: null });
    await sleep(300);
    const counts = await h.queues.webhooks.getJobCounts();
    expect(Object.values(counts).every((count) => count === 0)).toBe(true);
  });

  it('needs a secret once the URL is set', () => {
    const url = { LARAVEL_WEBHOOK_URL: 'https://laravel.example/webhooks/kelisim' };
    expect(() => loadWorkerConfig(url)).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...url, LARAVEL_WEBHOOK_SECRET: 'short' })).toThrow(
      /LARAVEL_WEBHOOK_SECRET: required when LARAVEL_WEBHOOK_URL is set/,
    );
    expect(() =>
      loadWorkerConfig({
        LARAVEL_WEBHOOK_URL: 'ftp://laravel.example',
        LARAVEL_WEBHOOK_SECRET: secret,
      }),
    ).toThrow(/LARAVEL_WEBHOOK_URL: must be an http/);
    expect(
      loadWorkerConfig({ ...url, LARAVEL_WEBHOOK_SECRET: secret, LARAVEL_WEBHOOK_TIMEOUT: '3' })
        .webhooks,
    ).toEqual({ enabled: true, url: url.LARAVEL_WEBHOOK_URL, secret, timeoutMs: 3_000 });
  });
});
