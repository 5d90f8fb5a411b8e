import express, { type RequestHandler, type Router } from 'express';
import path from 'node:path';
import type { StorageConfig } from '@kelisim/config';
import { PLAIN_WS_PATH } from '@kelisim/contracts';

/**
 * Paths the web client never answers: they belong to the API, socket.io, the plain WebSocket and
 * operations (and file links, whose path comes from STORAGE_BASE_URL: `backendPaths` below).
 */
const backendPrefixes = ['/api', '/health', '/metrics', '/socket.io', PLAIN_WS_PATH];

export function isBackendPath(urlPath: string, extraPrefixes: string[] = []): boolean {
  return [...backendPrefixes, ...extraPrefixes].some(
    (prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`),
  );
}

/**
 * What the web client may load: its own scripts and styles only (no inline script, so an injected
 * one does not run), images from itself, data: and blob: URLs (thumbnails are fetched with the
 * token, then shown as blobs), requests to its own origin (API, socket.io) and to
 * `connectSources` (the S3 host downloads redirect to); no plugins; framed only by its own origin.
 */
export function contentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    ["connect-src 'self'", ...connectSources].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** The origins of presigned S3 download URLs, which the client fetches after the redirect. */
export function storageOrigins(storage: StorageConfig): string[] {
  if (storage.disk !== 's3') return [];
  const configured = storage.s3.publicEndpoint ?? storage.s3.endpoint;
  if (!configured) return ['https://*.amazonaws.com'];
  const endpoint = new URL(configured);
  return storage.s3.forcePathStyle
    ? [endpoint.origin]
    : [endpoint.origin, `${endpoint.protocol}//*.${endpoint.host}`];
}

/**
 * The built single-page app: its files as they are, and its index.html for any other page a
 * browser navigates to (a GET asking for text/html), so client-side routes survive a reload.
 * Backend paths always fall through, to a JSON answer. Everything it serves carries the
 * Content-Security-Policy above.
 */
export function webClient(
  root: string,
  options: { connectSources?: string[]; backendPaths?: string[] } = {},
): Router {
  const index = path.join(root, 'index.html');
  const policy = contentSecurityPolicy(options.connectSources);
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
      if (isBackendPath(req.path, options.backendPaths)) {
        next();
        return;
      }
      void handler(req, res, next);
    };
  router.use(
    unlessBackend((_req, res, next) => {
      res.setHeader('Content-Security-Policy', policy);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      next();
    }),
  );
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
