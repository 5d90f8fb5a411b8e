import { describe, expect, it } from 'vitest';
import { assertObjectKey, newObjectKey, thumbnailKeyOf } from './keys.js';

describe('newObjectKey', () => {
  it('is chats/<chatId>/<yyyy>/<mm>/<uuid> for the current UTC month', () => {
    const now = new Date();
    const month = String(now.getUTCMonth() + 1).padStart(2, '0');

    const key = newObjectKey(42);

    expect(key).toMatch(
      new RegExp(
        `^chats/42/${now.getUTCFullYear()}/${month}/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
      ),
    );
    expect(newObjectKey(42)).not.toBe(key);
    expect(() => assertObjectKey(key)).not.toThrow();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the chat id %s', (chatId) => {
    expect(() => newObjectKey(chatId)).toThrow(/Invalid chat id/);
  });
});

describe('thumbnailKeyOf', () => {
  it('appends .thumb.webp', () => {
    expect(thumbnailKeyOf('chats/1/2026/11/abc')).toBe('chats/1/2026/11/abc.thumb.webp');
  });
});
