import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileResource } from '@kelisim/contracts';
import { uploaderLeftReason } from '@kelisim/domain';
import { createUsers, type TestUser } from '@kelisim/testing';
import { auth, createFilePipeline, storageDrivers, type FilePipeline } from './file-pipeline.js';

// What happens to stored bytes after an upload, as deployed: REST → BullMQ → worker → storage.

describe.each(storageDrivers('file-lifecycle'))(
  'file lifecycle on %s storage',
  (disk, makeStorage) => {
    let p: FilePipeline;
    let owner: TestUser, member: TestUser, latecomer: TestUser;
    let chatId: number;

    beforeAll(async () => {
      p = await createFilePipeline(`e2e_file_lifecycle_${disk}`, makeStorage());
      [owner, member, latecomer] = (await createUsers(p.database.db, 3, 'Lifecycle')) as [
        TestUser,
        TestUser,
        TestUser,
      ];
      chatId = await p.createGroup(owner, [member]);
      await p.startWorker();
    });
    afterAll(() => p.close());

    async function upload(bytes: Buffer, filename: string, user: TestUser): Promise<FileResource> {
      const res = await p.http
        .post(`/api/chats/${chatId}/files`)
        .set(auth(user))
        .field('content', 'a caption')
        .attach('file', bytes, filename);
      expect(res.status).toBe(202);
      return res.body.data as FileResource;
    }

    async function settled(id: number): Promise<{ status: string; storageKey: string }> {
      let row: Awaited<ReturnType<typeof p.database.db.chatFile.findUniqueOrThrow>> | undefined;
      await expect
        .poll(
          async () => {
            row = await p.database.db.chatFile.findUniqueOrThrow({ where: { id } });
            return row.status;
          },
          { timeout: 20_000, interval: 100 },
        )
        .not.toBe('processing');
      return row!;
    }

    function removed(keys: string[]) {
      return expect
        .poll(
          async () => {
            const left = await Promise.all(keys.map((key) => p.storage.exists(key)));
            return left.filter(Boolean).length;
          },
          { timeout: 20_000, interval: 100 },
        )
        .toBe(0);
    }

    it('deleting an image message makes the file 404 for everyone and removes its object and thumbnail', async () => {
      const png = await sharp({
        create: { width: 64, height: 48, channels: 3, background: '#a37' },
      })
        .png()
        .toBuffer();
      const queued = await upload(png, 'photo.png', member);
      await settled(queued.id);
      const row = await p.database.db.chatFile.findUniqueOrThrow({ where: { id: queued.id } });
      expect(row).toMatchObject({ status: 'ready', thumbnailKey: expect.any(String) });
      const keys = [row.storageKey, row.thumbnailKey!];
      expect(await Promise.all(keys.map((key) => p.storage.exists(key)))).toEqual([true, true]);
      const message = await p.database.db.message.findFirstOrThrow({
        where: { fileId: queued.id },
      });

      const deleted = await p.http.delete(`/api/messages/${message.id}`).set(auth(member));
      expect(deleted.status).toBe(200);

      await p.http
        .post(`/api/chats/${chatId}/participants`)
        .set(auth(owner))
        .send({ user_ids: [latecomer.id] });
      for (const user of [owner, member, latecomer]) {
        for (const what of ['download', 'thumbnail']) {
          const res = await p.http
            .get(`/api/files/${queued.id}/${what}`)
            .set(auth(user))
            .redirects(0);
          expect(res.status).toBe(404);
        }
        const listed = await p.http.get(`/api/chats/${chatId}/files?limit=100`).set(auth(user));
        expect((listed.body.data as FileResource[]).map((f) => f.id)).not.toContain(queued.id);
      }
      const tombstone = await p.database.db.message.findUniqueOrThrow({
        where: { id: message.id },
      });
      expect(tombstone.content).toBeNull();
      await removed(keys);
    });

    it('removes the stored bytes of a rejected upload', async () => {
      const elf = Buffer.alloc(256);
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(elf);
      elf.writeUInt16LE(2, 16);
      elf.writeUInt16LE(0x3e, 18);
      const queued = await upload(elf, 'invoice.pdf', owner);
      const row = await settled(queued.id);
      expect(row.status).toBe('rejected');
      await removed([row.storageKey]);
    });

    it('rejects an upload whose uploader left before it was processed: no message, bytes removed', async () => {
      await p.stopWorker();
      const queued = await upload(Buffer.from('left behind'), 'notes.txt', latecomer);
      const left = await p.http
        .delete(`/api/chats/${chatId}/participants/${latecomer.id}`)
        .set(auth(latecomer));
      expect(left.status).toBeLessThan(300);
      const lastSeq = (await p.database.db.chat.findUniqueOrThrow({ where: { id: chatId } }))
        .lastSeq;

      await p.startWorker();

      const row = await settled(queued.id);
      expect(row).toMatchObject({ status: 'rejected', statusReason: uploaderLeftReason });
      expect(await p.database.db.message.count({ where: { fileId: queued.id } })).toBe(0);
      expect((await p.database.db.chat.findUniqueOrThrow({ where: { id: chatId } })).lastSeq).toBe(
        lastSeq,
      );
      await removed([row.storageKey]);
    });
  },
);
