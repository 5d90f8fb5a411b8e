import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which browser origins may open sockets: `*` (any), those listed, and the same origin (the
 * Origin's host is the request's Host, or the X-Forwarded-Host a proxy set). Requests without an
 * Origin header are not cross-site browser requests and are allowed.
 */
export function originAllowed(allowed: string[], headers: IncomingHttpHeaders): boolean {
  return allowed.includes('*') || originTrusted(allowed, headers);
}

/**
 * Stricter than `originAllowed`: `*` does not count, so ambient credentials (cookies) are only
 * used for origins listed by name or the same origin.
 */
export function originTrusted(allowed: string[], headers: IncomingHttpHeaders): boolean {
  const { origin } = headers;
  if (!origin) return true;
  return allowed.includes(origin) || sameOrigin(origin, headers);
}

function sameOrigin(origin: string, headers: IncomingHttpHeaders): boolean {
  if (!URL.canParse(origin)) return false;
  const { host } = new URL(origin);
  const forwarded = headers['x-forwarded-host'];
  const forwardedHost = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0];
  return host === headers.host || host === forwardedHost?.trim();
}
