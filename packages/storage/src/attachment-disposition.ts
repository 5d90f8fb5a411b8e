import { create } from 'content-disposition';

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\x00-\x1f\x7f]/g;

/**
 * `Content-Disposition: attachment` for a user's filename (RFC 6266): an ASCII `filename`
 * fallback plus `filename*=UTF-8''…` (RFC 5987) whenever the name is not plain ASCII. Control
 * characters are dropped: no legitimate filename has them.
 */
export function attachmentDisposition(filename: string): string {
  return create(filename.replace(controlCharacters, ''), { type: 'attachment' });
}
