import { UnrecoverableError } from 'bullmq';
import { createHmac } from 'node:crypto';
import { messageCreatedWebhook, type DomainContext, type PresenceReader } from '@kelisim/domain';
import type { EnabledWebhookSettings, WebhookPayload } from '@kelisim/jobs';
import type { Logger } from '@kelisim/logger';

export interface WebhookDeliveryDeps {
  ctx: DomainContext;
  presence: PresenceReader;
  settings: EnabledWebhookSettings;
  logger: Logger;
}

/** The request headers Laravel reads (docs/WEBHOOKS.md). */
export const webhookHeaders = {
  event: 'X-Kelisim-Event',
  delivery: 'X-Kelisim-Delivery',
  timestamp: 'X-Kelisim-Timestamp',
  signature: 'X-Kelisim-Signature',
} as const;

/** `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>`, so a body cannot be replayed later. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Client errors that mean "not now"; every other 4xx (and 3xx) would be answered again. */
const retryableStatuses = new Set([408, 425, 429]);
const excerptLength = 200;

/**
 * The `deliverWebhook` job: builds the event's data from the ids it carries (the message and who
 * is offline, for `message.created`), signs it and POSTs it to Laravel. Anything but a 2xx throws, so BullMQ retries with backoff;
 * a redirect or a 4xx other than 408/425/429 fails for good at once (retrying cannot change it),
 * and stays in the failed list for `pnpm run jobs retry webhooks`. Each attempt is signed anew
 * with its own timestamp; the delivery id stays the same, for Laravel to deduplicate by.
 */
export async function deliverWebhook(
  deps: WebhookDeliveryDeps,
  webhook: WebhookPayload,
  attempt: number,
): Promise<{ status: number } | { dropped: true }> {
  const { settings } = deps;
  const data = await webhookData(deps, webhook);
  if (data === null) {
    deps.logger.info(
      { event: webhook.event, deliveryId: webhook.id },
      'webhook dropped: its subject no longer exists',
    );
    return { dropped: true };
  }
  const body = JSON.stringify({
    id: webhook.id,
    event: webhook.event,
    occurred_at: webhook.occurred_at,
    data,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const target = new URL(settings.url).origin;
  const startedAt = performance.now();
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': 'Kelisim-Webhooks/1',
        [webhookHeaders.event]: webhook.event,
        [webhookHeaders.delivery]: webhook.id,
        [webhookHeaders.timestamp]: timestamp,
        [webhookHeaders.signature]: signWebhook(settings.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    throw new Error(`No answer from ${target}: ${describeFetchError(error, settings.timeoutMs)}`, {
      cause: error,
    });
  }
  const status = response.status;
  if (response.ok) {
    await response.body?.cancel();
    deps.logger.debug(
      {
        event: webhook.event,
        deliveryId: webhook.id,
        status,
        attempt,
        durationMs: Math.round(performance.now() - startedAt),
      },
      'webhook delivered',
    );
    return { status };
  }
  const location = response.headers.get('location');
  if (status < 400) {
    await response.body?.cancel();
    throw new UnrecoverableError(
      `${target} answered ${status}, a redirect to ${location ?? '(none)'}: redirects are not ` +
        'followed (a POST would become a GET); set LARAVEL_WEBHOOK_URL to the final URL',
    );
  }
  const excerpt = (await response.text().catch(() => '')).trim().slice(0, excerptLength);
  const reason = `${target} answered ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status < 500 && !retryableStatuses.has(status)) {
    throw new UnrecoverableError(`${reason} (not retried: fix the cause, then retry the job)`);
  }
  throw new Error(reason);
}

/** The event's data, read when it is sent; null when its subject is gone (nothing to send). */
async function webhookData(deps: WebhookDeliveryDeps, webhook: WebhookPayload): Promise<unknown> {
  switch (webhook.event) {
    case 'message.created':
      return messageCreatedWebhook(deps.ctx, deps.presence, webhook.payload.message_id);
    case 'presence.changed':
      return webhook.payload;
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no response within ${timeoutMs} ms (LARAVEL_WEBHOOK_TIMEOUT)`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string }) : {};
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
