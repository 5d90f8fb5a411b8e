import { describe, expect, it } from 'vitest';
import { createFileLinks, linkExpiry } from './file-links.js';

const config = {
  baseUrl: 'http://localhost:8080/storage/chat-files',
  ttlSeconds: 3_600,
  secret: 'a-secret-of-at-least-thirty-two-characters',
};
const issuedAt = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Links minted at `issuedAt`, checked at `at` (ms). */
function linksAt(at = issuedAt, secret = config.secret) {
  let clock = issuedAt;
  const links = createFileLinks({ ...config, secret }, { now: () => clock });
  return {
    links,
    check: (url: string) => {
      clock = at;
      const parsed = new URL(url);
      expect(parsed.pathname.startsWith(links.basePath)).toBe(true);
      return links.verify(
        parsed.pathname.slice(links.basePath.length),
        Object.fromEntries(parsed.searchParams),
      );
    },
  };
}

describe('file links', () => {
  it('are <base>/<id>/<name> and <base>/<id>/thumbnail with expires and a hex signature', () => {
    const { links } = linksAt();
    const file = new URL(links.file({ id: 12, name: 'résumé 2026.pdf' }));
    expect(`${file.origin}${file.pathname}`).toBe(
      'http://localhost:8080/storage/chat-files/12/r%C3%A9sum%C3%A9%202026.pdf',
    );
    expect(file.searchParams.get('expires')).toBe(String(linkExpiry(issuedAt, 3_600)));
    expect(file.searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
    const thumbnail = new URL(links.thumbnail(12));
    expect(thumbnail.pathname).toBe('/storage/chat-files/12/thumbnail');
    expect(links.basePath).toBe('/storage/chat-files');
  });

  it('open the file or thumbnail they were made for', () => {
    const { links, check } = linksAt(issuedAt + 60_000);
    expect(check(links.file({ id: 12, name: 'résumé 2026.pdf' }))).toEqual({
      valid: true,
      fileId: 12,
      kind: 'file',
    });
    expect(check(links.thumbnail(12))).toEqual({ valid: true, fileId: 12, kind: 'thumbnail' });
    expect(check(links.file({ id: 7, name: 'thumbnail' }))).toEqual({
      valid: true,
      fileId: 7,
      kind: 'file',
    });
  });

  it('refuse a tampered path: another file id, another name, thumbnail for file', () => {
    const { links, check } = linksAt();
    const url = links.file({ id: 12, name: 'photo.png' });
    expect(check(url.replace('/12/', '/13/'))).toEqual({ valid: false, reason: 'invalid' });
    expect(check(url.replace('photo.png', 'photo.html'))).toEqual({
      valid: false,
      reason: 'invalid',
    });
    expect(check(url.replace('photo.png', 'thumbnail'))).toEqual({
      valid: false,
      reason: 'invalid',
    });
  });

  it('refuse a tampered expiry', () => {
    const { links, check } = linksAt();
    const url = new URL(links.file({ id: 12, name: 'photo.png' }));
    url.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86_400));
    expect(check(url.href)).toEqual({ valid: false, reason: 'invalid' });
  });

  it('refuse a link once it has expired, and only then', () => {
    const expires = linkExpiry(issuedAt, 3_600);
    expect(expires * 1000 - issuedAt).toBeGreaterThan(0.75 * 3_600_000);
    expect(expires * 1000 - issuedAt).toBeLessThanOrEqual(3_600_000);
    const url = linksAt().links.thumbnail(12);
    expect(linksAt(expires * 1000 - 1).check(url).valid).toBe(true);
    expect(linksAt(expires * 1000).check(url)).toEqual({ valid: false, reason: 'expired' });
  });

  it('refuse links signed with another key', () => {
    const url = linksAt(issuedAt, 'another-secret-of-thirty-two-characters').links.file({
      id: 12,
      name: 'photo.png',
    });
    expect(linksAt().check(url)).toEqual({ valid: false, reason: 'invalid' });
  });

  it('refuse unsigned and malformed links', () => {
    const { links, check } = linksAt();
    const url = new URL(links.file({ id: 12, name: 'photo.png' }));
    expect(check(`${url.origin}${url.pathname}`)).toEqual({ valid: false, reason: 'invalid' });
    for (const broken of [
      url.href.replace(/signature=[0-9a-f]+/, 'signature=xyz'),
      url.href.replace(/expires=\d+/, 'expires=soon'),
      url.href.replace('/12/', '/012/'),
      url.href.replace('photo.png', '%E0%A4%A'),
    ]) {
      expect(check(broken)).toEqual({ valid: false, reason: 'invalid' });
    }
    expect(links.verify('/12/photo.png', { expires: ['1'], signature: ['a'] })).toEqual({
      valid: false,
      reason: 'invalid',
    });
  });

  it('are identical within a quarter of the lifetime, so browsers can cache what they load', () => {
    const at = (ms: number) =>
      createFileLinks(config, { now: () => ms }).file({ id: 1, name: 'a.png' });
    const start = linkExpiry(issuedAt, 3_600) * 1000 - 3_600_000;
    expect(at(start)).toBe(at(start + 899_000));
    expect(at(start)).not.toBe(at(start + 900_000));
  });

  it('keep names a URL would resolve away as `file`, and sign them as shown', () => {
    const { links, check } = linksAt();
    for (const name of ['..', '.', '']) {
      const url = links.file({ id: 3, name });
      expect(new URL(url).pathname).toBe('/storage/chat-files/3/file');
      expect(check(url)).toEqual({ valid: true, fileId: 3, kind: 'file' });
    }
  });

  it('serve a base at the root of its host', () => {
    const links = createFileLinks({ ...config, baseUrl: 'https://files.example.com/' });
    expect(links.basePath).toBe('');
    expect(links.thumbnail(5)).toMatch(/^https:\/\/files\.example\.com\/5\/thumbnail\?expires=/);
  });
});
