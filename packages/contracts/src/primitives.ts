import { z } from 'zod';

/** A database id: a positive integer, also accepted as a decimal string (Laravel forms send strings). */
export const idSchema = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, 'Must be an integer.').transform(Number)])
  .pipe(
    z
      .number()
      .int('Must be an integer.')
      .positive('Must be positive.')
      .max(Number.MAX_SAFE_INTEGER),
  );

/** A per-chat sequence number (0 means "before the first message"). */
export const seqSchema = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, 'Must be an integer.').transform(Number)])
  .pipe(z.number().int('Must be an integer.').min(0).max(Number.MAX_SAFE_INTEGER));

/** The client's idempotency key for a send. */
export const tempIdSchema = z.string().min(1).max(64);

/** An absolute cap on a message body; the configurable limit in code points is checked by the domain. */
export const contentSchema = z.string().max(1_000_000);

export const isoDateSchema = z.iso.datetime();

/** `?limit=`: a positive integer; values above `max` are clamped, garbage is a 422. */
export function limitSchema(defaultLimit: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, 'The limit must be a positive integer.')
    .transform(Number)
    .pipe(z.number().int().min(1, 'The limit must be at least 1.'))
    .transform((n) => Math.min(n, max))
    .optional()
    .transform((n) => n ?? defaultLimit);
}

/** Most users one message may mention. */
export const MENTIONS_PER_MESSAGE_MAX = 50;

/** Users a message mentions: participants of its chat; others (and the sender) are dropped. */
export const mentionsSchema = z.array(idSchema).max(MENTIONS_PER_MESSAGE_MAX);

/** Most messages pinned in one chat at a time. */
export const PINS_PER_CHAT_MAX = 50;

/** Most distinct emoji one message may carry. */
export const REACTION_EMOJI_PER_MESSAGE_MAX = 20;

/** Longest reaction emoji, in UTF-8 bytes (a family or a flag with its modifiers fits). */
export const REACTION_EMOJI_MAX_BYTES = 32;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Code points an emoji sequence is made of: pictographs, flags, skin tones, joiners, keycaps, tags. */
const emojiSequence = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component})+$/u;
/** Components alone (a digit, `#`, a skin tone) are not an emoji; a keycap or a flag pair is. */
const emojiCore = /\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|\u20E3/u;

/** One emoji as users pick it: one grapheme cluster (👍🏽, 🏳️‍🌈, 🇨🇳, 1️⃣), no text. */
export function isOneEmoji(value: string): boolean {
  if (new TextEncoder().encode(value).length > REACTION_EMOJI_MAX_BYTES) return false;
  const [first, second] = graphemes.segment(value);
  return (
    first !== undefined &&
    second === undefined &&
    emojiSequence.test(value) &&
    emojiCore.test(value)
  );
}

export const emojiSchema = z.string().refine(isOneEmoji, 'Must be one emoji.');
