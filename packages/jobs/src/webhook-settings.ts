import { z } from 'zod';
import { envInt, envOptionalString } from '@kelisim/config';

export type WebhookSettings = { enabled: false } | EnabledWebhookSettings;

export interface EnabledWebhookSettings {
  enabled: true;
  /** Where Laravel receives them, e.g. `https://app.example/webhooks/kelisim`. */
  url: string;
  /** HMAC-SHA256 key of the `X-Kelisim-Signature` header; Laravel holds the same. */
  secret: string;
  /** A request not answered within this long counts as failed (and is retried). */
  timeoutMs: number;
}

/** Shorter secrets are refused: the signature is all that stops forged webhooks. */
const minSecretLength = 16;

/**
 * Signed webhooks to Laravel (docs/WEBHOOKS.md). Every process that queues them (API, gateway,
 * worker) reads the same settings: LARAVEL_WEBHOOK_URL unset means off, and nothing is queued.
 */
export const webhookEnv = z
  .object({
    LARAVEL_WEBHOOK_URL: envOptionalString().pipe(
      z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    ),
    LARAVEL_WEBHOOK_SECRET: envOptionalString(),
    LARAVEL_WEBHOOK_TIMEOUT: envInt({ min: 1, max: 300, default: 10 }),
  })
  .transform((env, ctx): WebhookSettings => {
    if (env.LARAVEL_WEBHOOK_URL === undefined) return { enabled: false };
    const secret = env.LARAVEL_WEBHOOK_SECRET ?? '';
    if (secret.length < minSecretLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['LARAVEL_WEBHOOK_SECRET'],
        message: `required when LARAVEL_WEBHOOK_URL is set, at least ${minSecretLength} characters`,
      });
      return z.NEVER;
    }
    return {
      enabled: true,
      url: env.LARAVEL_WEBHOOK_URL,
      secret,
      timeoutMs: env.LARAVEL_WEBHOOK_TIMEOUT * 1000,
    };
  });
