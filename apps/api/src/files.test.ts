import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeFile } from '@kelisim/domain';
import { createStorage, type Storage } from '@kelisim/storage';
import { testObjectStores, testStorageDisks, type TestUser } from '@kelisim/testing';
import { auth, createFileChatHarness, type ApiHarness } from './test-api.js';

const maxFileSize = 256 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every file below a directory, recursively (temp files included). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const stores = testObjectStores('api-files');
const disks = testStorageDisks(stores);

describe.each(disks)('file endpoints on %s storage', (disk, storageConfig) => {
  let h: ApiHarness;
  let storage: Storage;
  let owner: TestUser, member: TestUser, outsider: TestUser;
  let chatId: number;

  beforeAll(async () => {
    storage = createStorage(storageConfig());
    ({
      h,
      owner,
      member,
      other: outsider,
      chatId,
    } = await createFileChatHarness(`files_${disk}`, {
      storage,
      maxFileSize,
    }));
  });
  afterAll(() => h.close());

  async function upload(
    user: TestUser,
    bytes: Buffer,
    filename: string,
    fields: Record<string, string> = {},
  ) {
    let request = h.http.post(`/api/chats/${chatId}/files`).set(auth(user));
    for (const [name, value] of Object.entries(fields)) request = request.field(name, value);
    return request.attach('file', bytes, filename);
  }

  it('accepts an upload with 202, records it as processing under a generated key and queues it', async () => {
    h.jobs.clear();
    const bytes = randomBytes(50_000);
    const res = await upload(owner, bytes, '../../x', { content: 'the report', temp_id: 'up-1' });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({
      chat_id: chatId,
      uploader_id: owner.id,
      name: 'x',
      status: 'processing',
      size: 50_000,
    });
    const row = await h.database.db.chatFile.findUniqueOrThrow({ where: { id: res.body.data.id } });
    expect(row.storageKey).toMatch(new RegExp(`^chats/${chatId}/\\d{4}/\\d{2}/[0-9a-f-]{36}$`));
    expect(row).toMatchObject({ disk, caption: 'the report', clientId: 'up-1', originalName: 'x' });
    expect(h.jobs.files).toEqual([Number(row.id)]);
    const stored = await storage.get(row.storageKey);
    const chunks: Buffer[] = [];
    for await (const chunk of stored) chunks.push(chunk as Buffer);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(bytes));
  });

  it('answers 413 to an upload over MAX_FILE_SIZE and leaves no row, object or temp file', async () => {
    const before = await h.database.db.chatFile.count();
    const objectsBefore = disk === 'local' ? await filesUnder(stores.root) : [];
    const res = await upload(owner, randomBytes(maxFileSize + 10_000), 'big.bin');
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    expect(await h.database.db.chatFile.count()).toBe(before);
    if (disk === 'local') expect(await filesUnder(stores.root)).toEqual(objectsBefore);
  });

  it('answers 404 to non-participants for upload, list and download, and stores nothing', async () => {
    const before = await h.database.db.chatFile.count();
    expect((await upload(outsider, randomBytes(100), 'spy.txt')).status).toBe(404);
    expect(await h.database.db.chatFile.count()).toBe(before);
    expect((await h.http.get(`/api/chats/${chatId}/files`).set(auth(outsider))).status).toBe(404);
  });

  it('answers 422 without a file, with two files, and 415 to a JSON body', async () => {
    const noFile = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(owner))
      .field('content', 'just text');
    const twoFiles = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(owner))
      .attach('file', Buffer.from('a'), 'a.txt')
      .attach('file', Buffer.from('b'), 'b.txt');
    const json = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(owner))
      .send({ file: 'x' });
    expect([noFile.status, twoFiles.status, json.status]).toEqual([422, 422, 415]);
  });

  it('downloads a ready file with the same bytes, as an attachment never sniffed or rendered', async () => {
    const bytes = Buffer.from('<html><script>alert(1)</script></html>');
    const res = await upload(member, bytes, 'naïve page ☃.html');
    const id = res.body.data.id as number;
    expect((await h.http.get(`/api/files/${id}/download`).set(auth(owner))).status).toBe(404); // still processing
    await completeFile(h.ctx, id, {
      status: 'ready',
      mimeType: 'application/octet-stream',
      size: bytes.length,
      sha256: sha256(bytes),
    });

    const download = await h.http.get(`/api/files/${id}/download`).set(auth(owner)).redirects(0);
    if (disk === 's3') {
      expect(download.status).toBe(302);
      const fetched = await fetch(download.headers.location!);
      expect(fetched.headers.get('content-disposition')).toContain('attachment');
      expect(fetched.headers.get('content-disposition')).toContain(
        "filename*=UTF-8''na%C3%AFve%20page%20%E2%98%83.html",
      );
      expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(bytes));
    } else {
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('application/octet-stream');
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      expect(download.headers['content-disposition']).toMatch(/^attachment;/);
      expect(sha256(download.body as Buffer)).toBe(sha256(bytes));
    }
    const listed = await h.http.get(`/api/chats/${chatId}/files`).set(auth(owner));
    expect(listed.body.data.map((f: { id: number }) => f.id)).toContain(id);
  });

  it('shuts a removed participant out of downloads', async () => {
    const res = await upload(owner, Buffer.from('secret'), 'secret.txt');
    const id = res.body.data.id as number;
    await completeFile(h.ctx, id, {
      status: 'ready',
      mimeType: 'application/octet-stream',
      size: 6,
      sha256: sha256(Buffer.from('secret')),
    });
    expect(
      (await h.http.get(`/api/files/${id}/download`).set(auth(member)).redirects(0)).status,
    ).toBeLessThan(400);
    await h.http.delete(`/api/chats/${chatId}/participants/${member.id}`).set(auth(owner));
    expect((await h.http.get(`/api/files/${id}/download`).set(auth(member))).status).toBe(404);
    await h.addParticipants(chatId, owner, [member]);
  });

  it('a deleted file message is gone for everyone: list, download and thumbnail answer 404, content erased, removal queued', async () => {
    const bytes = randomBytes(2_000);
    const uploaded = await h.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(member))
      .field('content', 'the caption')
      .attach('file', bytes, 'photo.png');
    const fileId = uploaded.body.data.id as number;
    const row = await h.database.db.chatFile.findUniqueOrThrow({ where: { id: fileId } });
    const thumbnailKey = `${row.storageKey}.thumb.webp`;
    await storage.put(thumbnailKey, Readable.from(randomBytes(100)));
    const done = await completeFile(h.ctx, fileId, {
      status: 'ready',
      mimeType: 'image/png',
      size: bytes.length,
      sha256: sha256(bytes),
      width: 8,
      height: 8,
      thumbnailKey,
    });
    const messageId = done!.message!.id;
    expect(
      (await h.http.get(`/api/files/${fileId}/thumbnail`).set(auth(owner)).redirects(0)).status,
    ).toBe(200);
    h.jobs.clear();

    const deleted = await h.http.delete(`/api/messages/${messageId}`).set(auth(member));
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ id: messageId, content: null, file: null });

    await h.addParticipants(chatId, owner, [outsider]);
    for (const user of [owner, member, outsider]) {
      const listed = await h.http.get(`/api/chats/${chatId}/files`).set(auth(user));
      expect(listed.body.data.map((f: { id: number }) => f.id)).not.toContain(fileId);
      for (const what of ['download', 'thumbnail']) {
        const res = await h.http.get(`/api/files/${fileId}/${what}`).set(auth(user)).redirects(0);
        expect(res.status).toBe(404);
      }
    }
    const messageRow = await h.database.db.message.findUniqueOrThrow({
      where: { id: messageId },
    });
    expect(messageRow.content).toBeNull();
    const fileRow = await h.database.db.chatFile.findUniqueOrThrow({ where: { id: fileId } });
    expect(fileRow).toMatchObject({ caption: null });
    expect(fileRow.deletedAt).not.toBeNull();
    expect(h.jobs.removedFiles).toEqual([fileId]);
  });
});
