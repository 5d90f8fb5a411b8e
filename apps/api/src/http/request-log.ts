import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@kelisim/logger';

interface SerializedRequest {
  url?: string;
  query?: unknown;
  [field: string]: unknown;
}

/**
 * One log line per request, with the URL's path only: a query string may hold a token
 * (`?token=`, as the Go service's clients send it) or a signature, so it is never logged.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: ({ query: _query, ...req }: SerializedRequest) => ({
        ...req,
        url: req.url?.split('?')[0],
      }),
    },
  });
}
