import { describe, expect, it } from 'vitest';
import { formatBytes } from '@kelisim/contracts';
import { plainMessage } from './errors.js';

describe('plainMessage', () => {
  it('turns the API codes into plain sentences', () => {
    expect(plainMessage({ code: 'rate_limited', message: 'Too many.', retryAfterSeconds: 7 })).toBe(
      "You're sending too fast; try again in 7 s.",
    );
    expect(plainMessage({ code: 'rate_limited', message: 'Try again shortly.' })).toBe(
      "You're sending too fast; try again in a few seconds.",
    );
    expect(plainMessage({ code: 'forbidden', message: 'Only owners and admins may.' })).toBe(
      "You're not allowed to do that.",
    );
    expect(plainMessage({ code: 'not_found', message: 'Chat not found.' })).toBe(
      "You're not allowed to do that.",
    );
    expect(
      plainMessage({ code: 'payload_too_large', message: 'That file is too large (max 10 MB).' }),
    ).toBe('That file is too large (max 10 MB).');
    const quota =
      'This upload would exceed your storage quota of 1 GiB (1023.5 MiB used); delete some of your files first.';
    expect(plainMessage({ code: 'payload_too_large', message: quota })).toBe(quota);
    expect(plainMessage({ code: 'unavailable', message: 'Service unavailable.' })).toBe(
      'The server is restarting or busy. Try again in a moment.',
    );
  });

  it('keeps validation messages, which the API already writes for people', () => {
    expect(
      plainMessage({
        code: 'validation_failed',
        message: 'The message may not be longer than 5000 characters.',
      }),
    ).toBe('The message may not be longer than 5000 characters.');
  });

  it('falls back on the HTTP status when the body has no code', () => {
    expect(plainMessage({ code: undefined, message: undefined, status: 413 })).toBe(
      'That is too large to send.',
    );
    expect(plainMessage({ code: undefined, message: undefined, status: 502 })).toBe(
      'Something went wrong on our side. Try again.',
    );
  });

  it('formats sizes', () => {
    expect(formatBytes(1_048_576)).toBe('1 MB');
    expect(formatBytes(1_572_864)).toBe('1.5 MB');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatBytes(12)).toBe('12 bytes');
  });
});
