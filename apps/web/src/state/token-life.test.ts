import { describe, expect, it } from 'vitest';
import { renewExpiredSession, sessionEndedText } from './token-life.js';

describe('renewExpiredSession', () => {
  it('re-authenticates the connection with a fresh token and keeps using it', async () => {
    const sent: string[] = [];
    const result = await renewExpiredSession({
      freshToken: () => Promise.resolve('fresh'),
      reauth: (token) => {
        sent.push(token);
        return Promise.resolve({ ok: true, expires_at: '2026-12-04T12:00:00.000Z' });
      },
    });
    expect(sent).toEqual(['fresh']);
    expect(result).toEqual({ token: 'fresh' });
  });

  it('ends the session plainly when no token can be had, or the server refuses it', async () => {
    const noToken = await renewExpiredSession({
      freshToken: () => Promise.resolve(undefined),
      reauth: () => Promise.reject(new Error('not called')),
    });
    const refused = await renewExpiredSession({
      freshToken: () => Promise.resolve('other'),
      reauth: () =>
        Promise.resolve({ ok: false, error: { code: 'forbidden', message: 'Another user.' } }),
    });
    const lost = await renewExpiredSession({
      freshToken: () => Promise.reject(new Error('offline')),
      reauth: () => Promise.reject(new Error('not called')),
    });
    expect([noToken, refused, lost]).toEqual([
      { ended: sessionEndedText },
      { ended: sessionEndedText },
      { ended: sessionEndedText },
    ]);
    expect(sessionEndedText).toBe('Your session ended; sign in again.');
  });
});
