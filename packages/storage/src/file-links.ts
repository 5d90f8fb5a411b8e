import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { FileLinksConfig } from '@kelisim/config';

export type FileLinkKind = 'file' | 'thumbnail';

/** A link's answer: what it opens, or why it opens nothing. */
export type FileLinkCheck =
  | { valid: true; fileId: number; kind: FileLinkKind }
  | { valid: false; reason: 'invalid' | 'expired' };

/**
 * Expiring links to a file's bytes, signed like Laravel's temporary signed routes:
 * `<base>/<file id>/<name>?expires=<unix>&signature=<hex>` and `<base>/<file id>/thumbnail?…`.
 * Whoever holds one may fetch the bytes without a token until it expires (`<img src>`, plain
 * downloads), so links are only handed out in resources the holder may read.
 */
export interface SignedFileLinks {
  /** The base URL's path (`/storage/chat-files`, `''` at the root): where the nodes serve links. */
  readonly basePath: string;
  file(file: { id: number; name: string }): string;
  thumbnail(fileId: number): string;
  /**
   * Checks a request for a link: `path` below `basePath` as received (still percent-encoded,
   * `/12/photo.png`) and its query. Signatures are compared in constant time.
   */
  verify(path: string, query: Record<string, unknown>): FileLinkCheck;
}

/**
 * The HMAC key: HKDF-SHA256 of CHAT_URL_SIGNING_KEY (or JWT_SECRET), so a link's signature never
 * doubles as anything signed with the secret itself (tokens, webhooks).
 */
export function fileLinkKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kelisim-chat', 'file-links/v1', 32));
}

/**
 * Links handed out within the same quarter of the lifetime are identical (so browsers cache what
 * they load through them) and work for at least three quarters of it.
 */
export function linkExpiry(nowMs: number, ttlSeconds: number): number {
  const step = Math.max(1, Math.floor(ttlSeconds / 4));
  return Math.floor(nowMs / 1000 / step) * step + ttlSeconds;
}

export function createFileLinks(
  config: FileLinksConfig,
  options: { now?: () => number } = {},
): SignedFileLinks {
  const key = fileLinkKey(config.secret);
  const now = options.now ?? Date.now;
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');

  const sign = (kind: FileLinkKind, fileId: number, name: string, expires: number): Buffer =>
    createHmac('sha256', key).update(`${kind}\n${fileId}\n${name}\n${expires}`).digest();

  function link(kind: FileLinkKind, fileId: number, name: string, segment: string): string {
    const expires = linkExpiry(now(), config.ttlSeconds);
    const signature = sign(kind, fileId, name, expires).toString('hex');
    return `${baseUrl}/${fileId}/${segment}?expires=${expires}&signature=${signature}`;
  }

  return {
    basePath,

    file({ id, name }) {
      const segment = nameSegment(name);
      return link('file', id, decodeURIComponent(segment), segment);
    },

    thumbnail: (fileId) => link('thumbnail', fileId, '', 'thumbnail'),

    verify(path, query) {
      const invalid = { valid: false, reason: 'invalid' } as const;
      const parts = /^\/([1-9][0-9]{0,15})\/([^/]+)$/.exec(path);
      const expires = typeof query.expires === 'string' ? query.expires : '';
      const signature = typeof query.signature === 'string' ? query.signature : '';
      if (!parts || !/^[0-9]{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) {
        return invalid;
      }
      const fileId = Number(parts[1]);
      const name = decodeSegment(parts[2]!);
      if (!Number.isSafeInteger(fileId) || name === undefined) return invalid;
      const given = Buffer.from(signature, 'hex');
      const expiresAt = Number(expires);
      // `<id>/thumbnail` is a thumbnail's link, or the link of a file named "thumbnail".
      const candidates: [FileLinkKind, string][] =
        name === 'thumbnail'
          ? [
              ['thumbnail', ''],
              ['file', name],
            ]
          : [['file', name]];
      const match = candidates.find(([kind, signedName]) =>
        timingSafeEqual(sign(kind, fileId, signedName, expiresAt), given),
      );
      if (!match) return invalid;
      if (expiresAt * 1000 <= now()) return { valid: false, reason: 'expired' };
      return { valid: true, fileId, kind: match[0] };
    },
  };
}

/** The name as the link's last segment; one a URL would drop or resolve away becomes `file`. */
function nameSegment(name: string): string {
  // A lone surrogate cannot be percent-encoded: U+FFFD in its place, as a decoder would show it.
  const segment = encodeURIComponent(name.replace(/\p{Cs}/gu, '\uFFFD'));
  return segment === '' || segment === '.' || segment === '..' ? 'file' : segment;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
