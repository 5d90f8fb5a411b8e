import { describe, expect, it } from 'vitest';
import type { FileResource } from '@kelisim/contracts';
import { fileSources, onThisOrigin } from './file-links.js';

const signed = 'expires=1767272400&signature=' + 'ab'.repeat(32);

const file = (links: Partial<FileResource>): FileResource => ({
  id: 12,
  chat_id: 3,
  uploader_id: 1,
  name: 'trip.png',
  mime_type: 'image/png',
  size: 1_000,
  width: 64,
  height: 48,
  sha256: null,
  status: 'ready',
  status_reason: null,
  download_url: '/api/files/12/download',
  url: null,
  thumbnail_url: null,
  created_at: '2026-01-01T00:00:00.000Z',
  ...links,
});

describe('onThisOrigin', () => {
  it("keeps a signed link's path and query, on the page's origin", () => {
    expect(
      onThisOrigin(`http://localhost:8080/storage/chat-files/12/trip%20one.png?${signed}`),
    ).toBe(`/storage/chat-files/12/trip%20one.png?${signed}`);
    expect(onThisOrigin(`https://files.example.com/media/12/thumbnail?${signed}`)).toBe(
      `/media/12/thumbnail?${signed}`,
    );
  });
});

describe('fileSources', () => {
  it('loads through the signed links, without the token, when the file has them', () => {
    const sources = fileSources(
      file({
        url: `http://localhost:8080/storage/chat-files/12/trip.png?${signed}`,
        thumbnail_url: `http://localhost:8080/storage/chat-files/12/thumbnail?${signed}`,
      }),
    );
    expect(sources).toEqual({
      download: { path: `/storage/chat-files/12/trip.png?${signed}`, withToken: false },
      thumbnail: { path: `/storage/chat-files/12/thumbnail?${signed}`, withToken: false },
    });
  });

  it('falls back to the authenticated API routes when the resource carries no links', () => {
    expect(fileSources(file({}))).toEqual({
      download: { path: '/api/files/12/download', withToken: true },
      thumbnail: { path: '/api/files/12/thumbnail', withToken: true },
    });
  });
});
