import express, { type RequestHandler, type Router } from 'express';
import path from 'node:path';

/** Paths the web client never answers: they belong to the API, socket.io and operations. */
const backendPrefixes = ['/api', '/health', '/metrics', '/socket.io'];

export function isBackendPath(urlPath: string): boolean {
  return backendPrefixes.some((prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`));
}

/**
 * The built single-page app: its files as they are, and its index.html for any other page a
 * browser navigates to (a GET asking for text/html), so client-side routes survive a reload.
 * Backend paths always fall through, to a JSON answer.
 */
export function webClient(root: string): Router {
  const index = path.join(root, 'index.html');
  const router = express.Router();
  const files = express.static(root, {
    index: 'index.html',
    maxAge: '1h',
    setHeaders(res, file) {
      // A new build must reach browsers at once; the hashed assets it names can be cached.
      if (file === index) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  const unlessBackend =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) => {
      if (isBackendPath(req.path)) {
        next();
        return;
      }
      void handler(req, res, next);
    };
  router.use(unlessBackend(files));
  router.use(
    unlessBackend((req, res, next) => {
      const wantsPage =
        (req.method === 'GET' || req.method === 'HEAD') &&
        /\btext\/html\b/.test(req.get('accept') ?? '');
      if (!wantsPage) {
        next();
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index, (error?: Error & { status?: number }) => {
        // A build removed while running: the 404 the backend would give.
        if (error) next(error.status === 404 ? undefined : error);
      });
    }),
  );
  return router;
}
