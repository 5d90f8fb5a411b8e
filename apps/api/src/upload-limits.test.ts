import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '@kelisim/storage';
import { createUsers, testObjectStores, type TestUser } from '@kelisim/testing';
import { auth, createApiHarness, type ApiHarness } from './test-api.js';

const stores = testObjectStores('api-upload-limits');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
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
    chatId = await h.createGroup(alice, [bob, carol]);
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
