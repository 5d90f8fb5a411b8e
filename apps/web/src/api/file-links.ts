import type { FileResource } from '@kelisim/contracts';

/**
 * A signed file link (`url`, `thumbnail_url`) as this page loads it: its path and query on the
 * page's own origin. The page is served by the chat nodes or by nginx in front of them, which
 * routes STORAGE_BASE_URL's path to them, so the link works whatever host STORAGE_BASE_URL names
 * (the default, localhost:8080, is rarely the page's) and the Content-Security-Policy stays 'self'.
 */
export function onThisOrigin(link: string): string {
  const url = new URL(link, 'http://localhost/');
  return `${url.pathname}${url.search}`;
}

/**
 * Where a file's bytes and thumbnail load from: its signed links, which need no token, or, when the
 * nodes sign none (`url` null: no CHAT_URL_SIGNING_KEY nor JWT_SECRET), the authenticated API
 * routes, fetched with the token.
 */
export function fileSources(file: FileResource): {
  download: { path: string; withToken: boolean };
  thumbnail: { path: string; withToken: boolean };
} {
  return {
    download: file.url
      ? { path: onThisOrigin(file.url), withToken: false }
      : { path: file.download_url, withToken: true },
    thumbnail: file.thumbnail_url
      ? { path: onThisOrigin(file.thumbnail_url), withToken: false }
      : { path: `/api/files/${file.id}/thumbnail`, withToken: true },
  };
}
