import { randomUUID } from 'node:crypto';

/**
 * Every object this service stores lies under this prefix; listing (the orphan sweep) never looks
 * beyond it, so a bucket or directory shared with Laravel keeps its other objects.
 */
export const objectKeyPrefix = 'chats/';

/** A fresh key for a file uploaded to a chat: `chats/<chatId>/<yyyy>/<mm>/<uuid>` (UTC month). */
export function newObjectKey(chatId: number): string {
  if (!Number.isSafeInteger(chatId) || chatId <= 0) {
    throw new Error(`Invalid chat id for an object key: ${chatId}`);
  }
  const now = new Date();
  const year = String(now.getUTCFullYear());
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${objectKeyPrefix}${chatId}/${year}/${month}/${randomUUID()}`;
}

export function thumbnailKeyOf(key: string): string {
  return `${key}.thumb.webp`;
}

// eslint-disable-next-line no-control-regex
const forbiddenCharacters = /[\x00-\x1f\x7f\\]/;

/**
 * Both drivers accept the same keys: relative `/`-separated paths without empty, `.` or `..`
 * segments, backslashes or control characters.
 */
export function assertObjectKey(key: string): void {
  const valid =
    key !== '' &&
    !forbiddenCharacters.test(key) &&
    key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
  if (!valid) throw new Error(`Invalid object key: ${JSON.stringify(key)}`);
}
