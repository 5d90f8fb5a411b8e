import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, defaultStorageBaseUrl } from '@kelisim/config';
import type { FileResource, MessageResource } from '@kelisim/contracts';
import { completeFile } from '@kelisim/domain';
import { createFileLinks, createStorage, type Storage } from '@kelisim/storage';
import { testObjectStores, testStorageDisks, type TestUser } from '@kelisim/testing';
import { loadApiConfig } from './config.js';
import { auth, createFileChatHarness, type ApiHarness } from './test-api.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const secret = 'file-links-test-secret-of-32-characters-or-more';

/** A link's path and query, to request from the app under test (its host is the public one). */
const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

const stores = testObjectStores('api-file-links');

describe.each(testStorageDisks(stores))('signed file links on %s storage', (disk, config) => {
  const links = createFileLinks({ baseUrl: defaultStorageBaseUrl, ttlSeconds: 3_600, secret });
  let h: ApiHarness;
  let storage: Storage;
  let owner: TestUser, member: TestUser;
  let chatId: number;

  beforeAll(async () => {
    storage = createStorage(config());
    ({ h, owner, member, chatId } = await createFileChatHarness(`file_links_${disk}`, {
      storage,
      fileLinks: links,
    }));
  });
  afterAll(() => h.close());

  /** An upload by `member`, completed as the worker would (as an image when `thumbnail` is given). */
  async function readyFile(bytes: Buffer, name: string, thumbnail?: Buffer) {
    const uploaded = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(member))
      .attach('file', bytes, name);
    expect(uploaded.status).toBe(202);
    const queued = uploaded.body.data as FileResource;
    const row = await h.database.db.chatFile.findUniqueOrThrow({ where: { id: queued.id } });
    const thumbnailKey = thumbnail && `${row.storageKey}.thumb.webp`;
    if (thumbnailKey) await storage.put(thumbnailKey, Readable.from(thumbnail));
    const done = await completeFile(h.ctx, queued.id, {
      status: 'ready',
      mimeType: thumbnail ? 'image/png' : 'application/pdf',
      size: bytes.length,
      sha256: sha256(bytes),
      ...(thumbnail ? { width: 64, height: 48, thumbnailKey } : {}),
    });
    return { queued, file: done!.file, message: done!.message! };
  }

  /** The bytes behind a link fetched without any token: streamed, or through S3's redirect. */
  async function fetchLink(link: string) {
    const res = await h.http.get(pathOf(link)).redirects(0).buffer(true);
    if (disk === 's3' && res.status === 302) {
      expect(res.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/chat-test\/chats\//);
      const fetched = await fetch(res.headers.location!);
      expect(fetched.status).toBe(200);
      return { res, bytes: Buffer.from(await fetched.arrayBuffer()) };
    }
    return { res, bytes: res.body as Buffer };
  }

  it('gives ready files a url and images a thumbnail_url under STORAGE_BASE_URL, none before', async () => {
    const { queued, file, message } = await readyFile(
      randomBytes(3_000),
      'trip.png',
      randomBytes(200),
    );
    expect(queued).toMatchObject({ status: 'processing', url: null, thumbnail_url: null });
    expect(file.url).toMatch(
      new RegExp(
        `^http://localhost:8080/storage/chat-files/${file.id}/trip\\.png\\?expires=\\d+&signature=[0-9a-f]{64}$`,
      ),
    );
    expect(file.thumbnail_url).toMatch(
      new RegExp(`^http://localhost:8080/storage/chat-files/${file.id}/thumbnail\\?expires=\\d+&`),
    );
    const listed = await h.http.get(`/api/chats/${chatId}/messages`).set(auth(owner));
    const found = (listed.body.data as MessageResource[]).find((m) => m.id === message.id);
    expect(found?.file).toMatchObject({ id: file.id, url: file.url });

    const plain = await readyFile(randomBytes(100), 'notes.pdf');
    expect(plain.file.url).toContain(`/${plain.file.id}/notes.pdf?`);
    expect(plain.file.thumbnail_url).toBeNull();
  });

  it('serves the bytes of a url without any token, as the authenticated download does', async () => {
    const bytes = randomBytes(40_000);
    const { file } = await readyFile(bytes, 'naïve report ☃.pdf');
    const { res, bytes: fetched } = await fetchLink(file.url!);
    expect(sha256(fetched)).toBe(sha256(bytes));
    if (disk === 's3') {
      expect(res.status).toBe(302);
    } else {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="na?ve report ?.pdf"; filename*=UTF-8''na%C3%AFve%20report%20%E2%98%83.pdf`,
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-length']).toBe('40000');
    }

    const head = await h.http.head(pathOf(file.url!)).redirects(0);
    expect(head.status).toBe(disk === 's3' ? 302 : 200);
    if (disk === 'local') expect(head.headers['content-length']).toBe('40000');
  });

  it('serves a thumbnail_url inline for <img src>, like the authenticated thumbnail route', async () => {
    const thumbnail = randomBytes(300);
    const { file } = await readyFile(randomBytes(1_000), 'view.png', thumbnail);
    const res = await h.http.get(pathOf(file.thumbnail_url!)).redirects(0).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['content-disposition']).toBe('inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(sha256(res.body as Buffer)).toBe(sha256(thumbnail));
    const head = await h.http.head(pathOf(file.thumbnail_url!));
    expect(head.status).toBe(200);
  });

  it('answers 403 with the JSON error to tampered, expired, unsigned and foreign links', async () => {
    const { file } = await readyFile(randomBytes(500), 'mine.png', randomBytes(50));
    const { file: other } = await readyFile(randomBytes(500), 'other.png');
    const url = new URL(file.url!);
    const laterExpiry = new URL(url);
    laterExpiry.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 60));
    const dayAgo = Date.now() - 86_400_000;
    const expired = createFileLinks(
      { baseUrl: defaultStorageBaseUrl, ttlSeconds: 3_600, secret },
      { now: () => dayAgo },
    ).file({ id: file.id, name: file.name });
    const foreign = createFileLinks({
      baseUrl: defaultStorageBaseUrl,
      ttlSeconds: 3_600,
      secret: `${secret}-another`,
    }).file({ id: file.id, name: file.name });

    const cases: [string, string][] = [
      [file.url!.replace(`/${file.id}/`, `/${other.id}/`), 'This link is not valid.'],
      [file.url!.replace('mine.png', 'other.png'), 'This link is not valid.'],
      [file.thumbnail_url!.replace('/thumbnail?', '/mine.png?'), 'This link is not valid.'],
      [laterExpiry.href, 'This link is not valid.'],
      [`${url.origin}${url.pathname}`, 'This link is not valid.'],
      [expired, 'This link has expired.'],
      [foreign, 'This link is not valid.'],
    ];
    for (const [link, message] of cases) {
      const res = await h.http.get(pathOf(link)).redirects(0);
      expect({ link, status: res.status, body: res.body }).toEqual({
        link,
        status: 403,
        body: { message, code: 'forbidden' },
      });
    }
    expect((await h.http.head(pathOf(expired))).status).toBe(403);
  });

  it('answers 404 to the links of a file whose message was deleted, and of one not ready', async () => {
    const { file, message } = await readyFile(randomBytes(800), 'gone.png', randomBytes(80));
    expect((await h.http.get(pathOf(file.url!)).redirects(0)).status).toBeLessThan(400);
    const deleted = await h.http.delete(`/api/messages/${message.id}`).set(auth(member));
    expect(deleted.status).toBe(200);
    for (const link of [file.url!, file.thumbnail_url!]) {
      const res = await h.http.get(pathOf(link)).redirects(0);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: 'File not found.', code: 'not_found' });
    }

    const pending = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(member))
      .attach('file', randomBytes(10), 'later.bin');
    const id = (pending.body.data as FileResource).id;
    const res = await h.http.get(pathOf(links.file({ id, name: 'later.bin' })));
    expect(res.status).toBe(404);
  });
});

describe('file links under another STORAGE_BASE_URL', () => {
  const stores = testObjectStores('api-file-links-base');
  const links = createFileLinks({
    baseUrl: 'https://files.example.test/media/chat/',
    ttlSeconds: 600,
    secret,
  });
  let h: ApiHarness;
  let member: TestUser;
  let chatId: number;

  beforeAll(async () => {
    const storage = createStorage(testStorageDisks(stores)[0]![1]());
    ({ h, member, chatId } = await createFileChatHarness('file_links_base', {
      storage,
      fileLinks: links,
    }));
  });
  afterAll(() => h.close());

  it('are served under that base URL’s path, and not under the default one', async () => {
    const bytes = randomBytes(64);
    const uploaded = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(member))
      .attach('file', bytes, 'a.bin');
    const id = (uploaded.body.data as FileResource).id;
    const done = await completeFile(h.ctx, id, {
      status: 'ready',
      mimeType: 'application/octet-stream',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    const url = done!.file.url!;
    expect(url).toMatch(new RegExp(`^https://files\\.example\\.test/media/chat/${id}/a\\.bin\\?`));
    const res = await h.http.get(pathOf(url)).buffer(true);
    expect(res.status).toBe(200);
    expect(sha256(res.body as Buffer)).toBe(sha256(bytes));
    const elsewhere = await h.http.get(pathOf(url).replace('/media/chat/', '/storage/chat-files/'));
    expect(elsewhere.status).toBe(404);
  });
});

describe('file link settings', () => {
  const env = { JWT_SECRET: secret };

  it("default to the Go service's STORAGE_BASE_URL, an hour, and a key derived from JWT_SECRET", () => {
    expect(loadApiConfig(env).fileLinks).toEqual({
      baseUrl: 'http://localhost:8080/storage/chat-files',
      ttlSeconds: 3_600,
      secret,
    });
  });

  it('take STORAGE_BASE_URL, CHAT_FILE_URL_TTL and CHAT_URL_SIGNING_KEY', () => {
    const key = 'k'.repeat(40);
    expect(
      loadApiConfig({
        ...env,
        STORAGE_BASE_URL: 'https://chat.example.com/files/',
        CHAT_FILE_URL_TTL: '600',
        CHAT_URL_SIGNING_KEY: key,
      }).fileLinks,
    ).toEqual({ baseUrl: 'https://chat.example.com/files', ttlSeconds: 600, secret: key });
  });

  it('are off without JWT_SECRET or CHAT_URL_SIGNING_KEY (RS256 tokens)', () => {
    const config = loadApiConfig({ JWT_ALGO: 'RS256', JWT_PUBLIC_KEY: 'public key' });
    expect(config.fileLinks).toBeUndefined();
  });

  it('refuse a base that is not an http(s) URL, a short key and a TTL under a minute', () => {
    for (const [name, value, problem] of [
      ['STORAGE_BASE_URL', '/storage/chat-files', 'STORAGE_BASE_URL: must be an http(s) URL'],
      ['STORAGE_BASE_URL', 'ftp://files/x', 'STORAGE_BASE_URL: must be an http(s) URL'],
      ['CHAT_URL_SIGNING_KEY', 'short', 'CHAT_URL_SIGNING_KEY: must be at least 32 characters'],
      ['CHAT_FILE_URL_TTL', '10', 'CHAT_FILE_URL_TTL'],
    ] as const) {
      let error: unknown;
      try {
        loadApiConfig({ ...env, [name]: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(problem);
    }
  });
});
