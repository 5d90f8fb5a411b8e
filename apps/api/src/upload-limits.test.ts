import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeFile } from '@kelisim/domain';
import { createLocalStorage, createS3Storage, type Storage } from '@kelisim/storage';
import { createUsers, testObjectStores, tokenFor, type TestUser } from '@kelisim/testing';
import { createApiHarness, type ApiHarness } from './test-api.js';

const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const stores = testObjectStores('api-upload-limits');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function groupOf(h: ApiHarness, owner: TestUser, members: TestUser[]): Promise<number> {
  const created = await h.http
    .post('/api/chats')
    .set(auth(owner))
    .send({ type: 'group', participant_ids: members.map((m) => m.id) });
  return created.body.data.id as number;
}

function upload(h: ApiHarness, user: TestUser, chatId: number, bytes: Buffer, name = 'a.bin') {
  return h.http.post(`/api/chats/${chatId}/files`).set(auth(user)).attach('file', bytes, name);
}

describe('upload limits', () => {
  let h: ApiHarness;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let chatId: number;

  beforeAll(async () => {
    h = await createApiHarness('upload_limits', {
      storage: createLocalStorage(stores.root),
      sendsPerWindow: 5,
      maxFileSize: 256 * 1024,
      uploadQuotaBytes: 200_000,
    });
    [alice, bob, carol] = (await createUsers(h.database.db, 3, 'Limits')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    chatId = await groupOf(h, alice, [bob, carol]);
  });
  afterAll(() => h.close());

  it('counts uploads against the per-user send budget: 429 with Retry-After once spent, nothing stored', async () => {
    for (let i = 0; i < 3; i++) {
      const sent = await h.http
        .post(`/api/chats/${chatId}/messages`)
        .set(auth(alice))
        .send({ content: `text ${i}` });
      expect(sent.status).toBe(201);
    }
    for (let i = 0; i < 2; i++) {
      expect((await upload(h, alice, chatId, randomBytes(1_000))).status).toBe(202);
    }
    const rows = await h.database.db.chatFile.count();
    const objects = await filesUnder(stores.root);

    const refused = await upload(h, alice, chatId, randomBytes(1_000));

    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/too fast/),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await h.database.db.chatFile.count()).toBe(rows);
    expect(await filesUnder(stores.root)).toEqual(objects);
    const text = await h.http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(alice))
      .send({ content: 'one more' });
    expect(text.status).toBe(429);
    expect((await upload(h, bob, chatId, randomBytes(1_000))).status).toBe(202);
  });

  it('refuses an upload past the quota with 413 naming it, keeping neither row nor bytes', async () => {
    expect((await upload(h, carol, chatId, randomBytes(150_000))).status).toBe(202);
    const rows = await h.database.db.chatFile.count();
    const objects = await filesUnder(stores.root);

    const declaredTooBig = await upload(h, carol, chatId, randomBytes(100_000));
    const storedTooBig = await upload(h, carol, chatId, randomBytes(60_000));

    for (const refused of [declaredTooBig, storedTooBig]) {
      expect(refused.status).toBe(413);
      expect(refused.body).toMatchObject({
        code: 'payload_too_large',
        message: expect.stringContaining('storage quota of 195.3 KiB'),
      });
    }
    expect(await h.database.db.chatFile.count()).toBe(rows);
    expect(await filesUnder(stores.root)).toEqual(objects);
    expect((await upload(h, carol, chatId, randomBytes(40_000))).status).toBe(202);
  });
});

describe.each([
  ['local', () => createLocalStorage(stores.root)],
  ['s3', () => createS3Storage(stores.s3.config)],
] as const)('a deleted file message on %s storage', (disk, makeStorage) => {
  let h: ApiHarness;
  let storage: Storage;
  let owner: TestUser, member: TestUser, latecomer: TestUser;
  let chatId: number;

  beforeAll(async () => {
    storage = makeStorage();
    h = await createApiHarness(`deleted_file_${disk}`, { storage });
    [owner, member, latecomer] = (await createUsers(h.database.db, 3, 'Deleter')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    chatId = await groupOf(h, owner, [member]);
  });
  afterAll(() => h.close());

  it('is gone for everyone: list, download and thumbnail answer 404, content erased, removal queued', async () => {
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

    await h.http
      .post(`/api/chats/${chatId}/participants`)
      .set(auth(owner))
      .send({ user_ids: [latecomer.id] });
    for (const user of [owner, member, latecomer]) {
      const listed = await h.http.get(`/api/chats/${chatId}/files`).set(auth(user));
      expect(listed.body.data.map((f: { id: number }) => f.id)).not.toContain(fileId);
      for (const what of ['download', 'thumbnail']) {
        const res = await h.http.get(`/api/files/${fileId}/${what}`).set(auth(user)).redirects(0);
        expect(res.status).toBe(404);
      }
    }
    const messageRow = await h.database.db.message.findUniqueOrThrow({ where: { id: messageId } });
    expect(messageRow.content).toBeNull();
    const fileRow = await h.database.db.chatFile.findUniqueOrThrow({ where: { id: fileId } });
    expect(fileRow).toMatchObject({ caption: null });
    expect(fileRow.deletedAt).not.toBeNull();
    expect(h.jobs.removedFiles).toEqual([fileId]);
  });
});
