import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'content-disposition';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3 } from '@kelisim/testing';
import {
  createLocalStorage,
  createS3Storage,
  newObjectKey,
  ObjectNotFoundError,
  ObjectTooLargeError,
  type Storage,
} from './index.js';

const MiB = 1024 * 1024;

interface Harness {
  storage: Storage;
  /** Whatever a failed put left behind for `key`: temp files, stray objects. */
  leftovers(key: string): Promise<string[]>;
  stop(): Promise<void>;
}

async function startLocal(): Promise<Harness> {
  const root = await mkdtemp(path.join(tmpdir(), 'kelisim-storage-local-'));
  return {
    storage: createLocalStorage(root),
    async leftovers(key) {
      const directory = path.dirname(path.join(root, key));
      const names = await readdir(directory).catch(() => []);
      return names.filter((name) => name.endsWith('.part'));
    },
    stop: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * A real S3 server on a free loopback port. s3rver implements neither ListMultipartUploads (501)
 * nor AbortMultipartUpload (405), so leftovers can only be checked as objects.
 */
async function startS3(): Promise<Harness> {
  const s3 = await startTestS3();
  const { config } = s3;
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    storage: createS3Storage(config),
    async leftovers(key) {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: config.bucket, Prefix: key }),
      );
      return (listed.Contents ?? []).map((object) => object.Key ?? '');
    },
    async stop() {
      client.destroy();
      await s3.stop();
    },
  };
}

function* chunksOf(bytes: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
    yield bytes.subarray(offset, offset + 64 * 1024);
  }
}

/** Streams `bytes` in 64 KiB chunks, as an upload arrives. */
function streamOf(bytes: Buffer): Readable {
  return Readable.from(chunksOf(bytes));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const drivers = [
  { disk: 'local', start: startLocal },
  { disk: 's3', start: startS3 },
] as const;

describe.each(drivers)('$disk storage', ({ disk, start }) => {
  let harness: Harness;
  let storage: Storage;

  beforeAll(async () => {
    harness = await start();
    storage = harness.storage;
  });

  afterAll(async () => {
    await harness.stop();
  });

  /** Stores a small text object; its download URL valid for `expiresInSeconds`. */
  async function storedTextUrl(chatId: number, text: string, expiresInSeconds: number) {
    const key = newObjectKey(chatId);
    await storage.put(key, streamOf(Buffer.from(text)));
    return storage.downloadUrl(key, {
      filename: 'a.txt',
      contentType: 'text/plain',
      expiresInSeconds,
    });
  }

  it('reports its disk', () => {
    expect(storage.disk).toBe(disk);
  });

  it.each([
    { label: '5 MB', size: 5_000_000 },
    { label: '11 MiB (several multipart parts)', size: 11 * MiB },
    { label: '0-byte', size: 0 },
  ])('put then get returns the same bytes for a $label body', async ({ size }) => {
    const body = randomBytes(size);
    const key = newObjectKey(1);

    const { size: stored } = await storage.put(key, streamOf(body), {
      contentType: 'application/octet-stream',
    });

    expect(stored).toBe(size);
    expect(await sha256Of(await storage.get(key))).toBe(sha256(body));
  });

  it('accepts a body of exactly maxBytes', async () => {
    const body = randomBytes(1000);
    const key = newObjectKey(2);

    await expect(storage.put(key, streamOf(body), { maxBytes: 1000 })).resolves.toEqual({
      size: 1000,
    });
  });

  it('exists is true for a stored key and false for a missing one', async () => {
    const key = newObjectKey(3);
    await storage.put(key, streamOf(Buffer.from('hello')));

    expect(await storage.exists(key)).toBe(true);
    expect(await storage.exists(newObjectKey(3))).toBe(false);
  });

  it('get of a missing key rejects with ObjectNotFoundError', async () => {
    const key = newObjectKey(4);

    const error: unknown = await storage.get(key).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect(error).toMatchObject({ key });
  });

  it('delete removes the object, and deleting it again does not throw', async () => {
    const key = newObjectKey(5);
    await storage.put(key, streamOf(Buffer.from('bye')));

    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it('list yields every object, a page of at most pageSize at a time, with its modification time', async () => {
    const before = Date.now() - 5_000;
    const keys = Array.from({ length: 5 }, () => newObjectKey(11));
    for (const key of keys) await storage.put(key, streamOf(Buffer.from(key)));

    const pages: { key: string; lastModified: Date }[][] = [];
    for await (const page of storage.list({ pageSize: 2 })) pages.push(page);

    expect(pages.every((page) => page.length >= 1 && page.length <= 2)).toBe(true);
    const listed = new Map(pages.flat().map((object) => [object.key, object.lastModified]));
    for (const key of keys) {
      expect(listed.get(key)?.getTime()).toBeGreaterThanOrEqual(before);
    }
    await storage.delete(keys[0]!);
    const after: string[] = [];
    for await (const page of storage.list()) after.push(...page.map((object) => object.key));
    expect(after).not.toContain(keys[0]);
    expect(after).toContain(keys[1]);
  });

  it("list never yields objects outside this service's prefix (a bucket shared with Laravel)", async () => {
    const laravels = 'avatars/user-1.png';
    await storage.put(laravels, streamOf(Buffer.from('not ours')));
    const ours = newObjectKey(12);
    await storage.put(ours, streamOf(Buffer.from('ours')));

    const listed: string[] = [];
    for await (const page of storage.list()) listed.push(...page.map((object) => object.key));
    expect(listed).toContain(ours);
    expect(listed).not.toContain(laravels);
    await storage.delete(laravels);
  });

  it.each([
    { label: 'within the first part', size: 5 * MiB, maxBytes: 1 * MiB },
    { label: 'after a multipart part was sent', size: 12 * MiB, maxBytes: 7 * MiB },
  ])(
    'put past maxBytes ($label) rejects with ObjectTooLargeError and leaves nothing',
    async ({ size, maxBytes }) => {
      const key = newObjectKey(6);
      const body = streamOf(randomBytes(size));

      const error: unknown = await storage
        .put(key, body, { maxBytes })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ObjectTooLargeError);
      expect(error).toMatchObject({ limitBytes: maxBytes });
      expect(await storage.exists(key)).toBe(false);
      expect(await harness.leftovers(key)).toEqual([]);
      expect(body.destroyed).toBe(true);
    },
  );

  it.each([
    { label: 'within the first part', size: 5 * MiB },
    { label: 'after a multipart part was sent', size: 12 * MiB },
  ])(
    'a body that fails midway ($label) rejects with its error and leaves nothing',
    async ({ size }) => {
      const key = newObjectKey(7);
      const failure = new Error('client went away');
      const body = Readable.from(
        (function* () {
          yield* chunksOf(randomBytes(size / 2));
          throw failure;
        })(),
      );

      await expect(storage.put(key, body)).rejects.toBe(failure);
      expect(await storage.exists(key)).toBe(false);
      expect(await harness.leftovers(key)).toEqual([]);
    },
  );

  it.each(['../escape', 'chats/../../escape', '/etc/passwd', 'chats//1', './chats/1', ''])(
    'rejects the malformed key %j',
    async (key) => {
      await expect(storage.put(key, streamOf(Buffer.from('x')))).rejects.toThrow(
        /Invalid object key/,
      );
      await expect(storage.get(key)).rejects.toThrow(/Invalid object key/);
      await expect(storage.exists(key)).rejects.toThrow(/Invalid object key/);
      await expect(storage.delete(key)).rejects.toThrow(/Invalid object key/);
    },
  );

  if (disk === 'local') {
    it('downloadUrl is undefined: the API streams local files', async () => {
      const url = await storedTextUrl(10, 'local', 60);

      expect(url).toBeUndefined();
    });

    it('a rejected ../ key writes nothing outside the root', async () => {
      const outside = `kelisim-escape-${randomBytes(6).toString('hex')}`;

      await expect(storage.put(`../${outside}`, streamOf(Buffer.from('x')))).rejects.toThrow();

      await expect(access(path.join(tmpdir(), outside))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    });
  }

  if (disk === 's3') {
    it('downloadUrl presigns a GET that downloads the bytes as a UTF-8 named attachment', async () => {
      const body = randomBytes(256 * 1024);
      const key = newObjectKey(8);
      await storage.put(key, streamOf(body), { contentType: 'application/pdf' });

      const url = await storage.downloadUrl(key, {
        filename: 'naïve résumé ☃.pdf',
        contentType: 'application/pdf',
        expiresInSeconds: 60,
      });
      const response = await fetch(url ?? 'missing');

      expect(response.status).toBe(200);
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(body));
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const disposition = response.headers.get('content-disposition') ?? '';
      expect(disposition).toContain('attachment');
      expect(disposition).toContain(
        "filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9%20%E2%98%83.pdf",
      );
      expect(parse(disposition, { extended: false }).parameters.filename).toMatch(/^[\x20-\x7e]+$/);
      expect(parse(disposition).parameters.filename).toBe('naïve résumé ☃.pdf');
    });

    it('an expired download URL is refused with 403', async () => {
      const url = await storedTextUrl(9, 'soon gone', 1);

      await sleep(2_000);
      const response = await fetch(url ?? 'missing');

      expect(response.status).toBe(403);
      await response.body?.cancel();
    });
  }
});
