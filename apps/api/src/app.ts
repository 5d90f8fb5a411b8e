import cors from 'cors';
import express, { type RequestHandler } from 'express';
import type { Authenticate } from '@kelisim/auth';
import { AppError, createOpenApiDocument } from '@kelisim/contracts';
import type { DomainContext } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import {
  healthRoutes,
  httpMetrics,
  publicMetricsRoute,
  type HealthCheck,
  type Metrics,
} from '@kelisim/ops';
import { requireUser } from './http/auth.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { requestLog } from './http/request-log.js';
import { restRouter, type RestHandlers } from './http/rest-router.js';
import { chatHandlers } from './routes/chats.js';
import { fileLinkRoutes } from './routes/file-links.js';
import { fileHandlers, type FileRoutesOptions } from './routes/files.js';
import { demoHandlers, userHandlers, type DemoOptions } from './routes/users.js';

export interface ApiDeps {
  domain: DomainContext;
  verifyToken: Authenticate;
  logger: Logger;
  healthChecks: Record<string, HealthCheck>;
  isDraining?: () => boolean;
  corsOrigins?: string[];
  /**
   * Prometheus instruments: with them the app records request latency. Its own /metrics answers
   * only with `metricsToken` (METRICS_TOKEN), to requests bearing it; else the process serves
   * them on its metrics listener.
   */
  metrics?: Metrics;
  metricsToken?: string | undefined;
  /** Upload and download endpoints; without storage they answer 404. */
  files?: FileRoutesOptions;
  /** Demo mode (CHAT_DEMO_MODE): password-less sign-in under /api/demo; without it, 404s. */
  demo?: DemoOptions | undefined;
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(requestLog(deps.logger));
  if (deps.metrics) {
    app.use(httpMetrics(deps.metrics));
    app.get('/metrics', publicMetricsRoute(deps.metrics, deps.metricsToken));
  }
  app.use(healthRoutes(deps.healthChecks, deps.isDraining ?? (() => false)));

  // Signed file links (`url`, `thumbnail_url`): outside /api, no token (routes/file-links.ts).
  if (deps.files?.links) {
    app.use(fileLinkRoutes(deps.domain, { ...deps.files, links: deps.files.links }));
  }

  const origins = deps.corsOrigins ?? ['*'];
  app.use('/api', cors({ origin: origins.includes('*') ? true : origins, maxAge: 600 }));
  const openApi = createOpenApiDocument();
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  const handlers: RestHandlers = {
    ...chatHandlers(deps.domain),
    ...userHandlers(deps.domain),
    ...fileHandlers(deps.domain, deps.files),
    ...demoHandlers(deps.domain, deps.demo),
  };
  app.use(
    '/api',
    requireJsonBody,
    express.json({ limit: bodyLimit }),
    // Gin's binding also took forms; the router turns them into the JSON shape (form-body.ts).
    express.urlencoded({ extended: false, limit: bodyLimit }),
  );
  app.use('/api', restRouter(handlers, 'public'));
  app.use('/api', requireUser(deps.domain.db, deps.verifyToken));
  app.use('/api', restRouter(handlers, 'authenticated'));

  app.use(notFoundHandler);
  app.use(errorHandler(() => deps.metrics?.dependencyErrors.inc({ dependency: 'database' })));
  return app;
}

const bodyLimit = '1mb';

/**
 * A body that is not JSON (or a form, or an upload) gets 415 rather than being silently ignored.
 */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || 'transfer-encoding' in req.headers;
  if (
    hasBody &&
    !req.is('application/json') &&
    !req.is('application/x-www-form-urlencoded') &&
    !req.is('multipart/form-data')
  ) {
    throw new AppError('unsupported_media_type', 'Send the request body as application/json.');
  }
  next();
};
