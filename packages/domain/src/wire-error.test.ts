import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AppError } from '@kelisim/contracts';
import { createDb } from '@kelisim/db';
import { testServerConfig } from '@kelisim/testing';
import { toWireError } from './wire-error.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('toWireError', () => {
  it('keeps what an AppError says: code, message, field errors and retry_after', () => {
    expect(toWireError(AppError.validation({ content: ['Too long.'] }))).toEqual({
      body: { code: 'validation_failed', message: 'Too long.', errors: { content: ['Too long.'] } },
      status: 422,
      cause: 'request',
    });
    const limited = new AppError('rate_limited', 'Slow down.', { retryAfterSeconds: 7 });
    expect(toWireError(limited)).toEqual({
      body: { code: 'rate_limited', message: 'Slow down.', retry_after: 7 },
      status: 429,
      cause: 'request',
    });
  });

  it('reports a database that cannot be reached as unavailable', async () => {
    const db = createDb({ ...testServerConfig(), port: await closedPort(), database: 'none' });
    try {
      const error: unknown = await db.$queryRaw`SELECT 1`.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(toWireError(error)).toMatchObject({
        body: { code: 'unavailable' },
        status: 503,
        cause: 'outage',
      });
    } finally {
      await db.$disconnect();
    }
  });

  it('reports anything else as internal, describing nothing', () => {
    const wire = toWireError(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(wire).toEqual({
      body: { code: 'internal', message: 'Something went wrong on our side.' },
      status: 500,
      cause: 'bug',
    });
  });
});
