import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@kelisim/logger';
import { requestLog } from './request-log.js';

describe('the request log', () => {
  it('logs the path of a URL, never its query string (a ?token= or a signature)', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'info', pretty: false },
      {},
      {
        write: (line: string) => void lines.push(line),
      },
    );
    const app = express();
    app.use(requestLog(logger));
    app.get('/api/me', (_req, res) => {
      res.status(401).json({ code: 'unauthenticated' });
    });

    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    await supertest(app).get(`/api/me?token=${token}&access_token=${token}&X-Amz-Signature=abc123`);

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { req: { url: string; method: string } };
    expect(entry.req).toMatchObject({ method: 'GET', url: '/api/me' });
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).not.toContain('abc123');
  });
});
