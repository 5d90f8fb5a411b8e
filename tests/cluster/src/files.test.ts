import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileResource } from '@kelisim/contracts';
import { createUsers, type TestUser } from '@kelisim/testing';
import {
  auth,
  createFilePipeline,
  fileLinkBase,
  storageDrivers,
  type FilePipeline,
} from './file-pipeline.js';

// The whole file pipeline as deployed: REST upload → BullMQ → worker → storage → message.
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each(storageDrivers('files-e2e'))('uploads on %s storage', (disk, makeStorage) => {
  let p: FilePipeline;
  let owner: TestUser, member: TestUser;
  let chatId: number;

  beforeAll(async () => {
    p = await createFilePipeline(`e2e_files_${disk}`, makeStorage());
    [owner, member] = (await createUsers(p.database.db, 2, 'Files')) as [TestUser, TestUser];
    chatId = await p.createGroup(owner, [member]);
    await p.startWorker();
  });
  afterAll(() => p.close());

  async function upload(bytes: Buffer, filename: string, user = owner): Promise<FileResource> {
    const res = await p.http
      .post(`/api/chats/${chatId}/files`)
      .set(auth(user))
      .attach('file', bytes, filename);
    expect(res.status).toBe(202);
    expect(res.body.data.status).toBe('processing');
    return res.body.data as FileResource;
  }

  async function settled(id: number, user = owner): Promise<FileResource> {
    let file: FileResource | undefined;
    await expect
      .poll(
        async () => {
          const res = await p.http.get(`/api/chats/${chatId}/files?limit=100`).set(auth(user));
          file = (res.body.data as FileResource[]).find((f) => f.id === id);
          return file?.status;
        },
        { timeout: 20_000, interval: 100 },
      )
      .not.toBe('processing');
    return file!;
  }

  async function download(
    id: number,
    path_ = 'download',
  ): Promise<{ bytes: Buffer; headers: Record<string, string> }> {
    const res = await p.http
      .get(`/api/files/${id}/${path_}`)
      .set(auth(member))
      .redirects(0)
      .buffer(true)
      .parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    if (res.status === 302) {
      const fetched = await fetch(res.headers.location!);
      return {
        bytes: Buffer.from(await fetched.arrayBuffer()),
        headers: Object.fromEntries(fetched.headers.entries()),
      };
    }
    expect(res.status).toBe(200);
    return { bytes: res.body as Buffer, headers: res.headers };
  }

  async function messagesOfFile(fileId: number): Promise<number> {
    return p.database.db.message.count({ where: { fileId } });
  }

  it('processes an image: sniffed as PNG despite a .txt name, dimensions, thumbnail, message, same bytes', async () => {
    const png = await sharp({
      create: { width: 640, height: 480, channels: 3, background: '#3a7' },
    })
      .png()
      .toBuffer();
    const queued = await upload(png, 'holiday.txt');
    const file = await settled(queued.id);
    expect(file).toMatchObject({
      status: 'ready',
      mime_type: 'image/png',
      width: 640,
      height: 480,
      size: png.length,
      sha256: sha256(png),
      thumbnail_url: expect.stringMatching(
        new RegExp(
          `^${fileLinkBase}/${queued.id}/thumbnail\\?expires=\\d+&signature=[0-9a-f]{64}$`,
        ),
      ),
    });
    const message = await p.database.db.message.findFirstOrThrow({ where: { fileId: queued.id } });
    expect(message).toMatchObject({ type: 'image', senderId: BigInt(owner.id) });
    const ready = p.publisher.of('file_ready').find((e) => e.payload.file.id === queued.id);
    expect(ready?.payload.message).toMatchObject({
      id: Number(message.id),
      seq: Number(message.seq),
      type: 'image',
    });

    const downloaded = await download(queued.id);
    expect(sha256(downloaded.bytes)).toBe(sha256(png));
    expect(downloaded.headers['content-disposition']).toMatch(/^attachment/);
    const thumb = await download(queued.id, 'thumbnail');
    const thumbInfo = await sharp(thumb.bytes).metadata();
    expect(thumbInfo).toMatchObject({ format: 'webp', width: 320, height: 240 });
  });

  it('never serves HTML or SVG as something a browser would render', async () => {
    for (const [name, body] of [
      [
        'page.html',
        '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>',
      ],
      [
        'logo.svg',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
      ],
    ] as const) {
      const queued = await upload(Buffer.from(body), name);
      const file = await settled(queued.id);
      expect(file.status).toBe('ready');
      expect(file.mime_type).not.toMatch(/html|svg|xml/);
      const downloaded = await download(queued.id);
      expect(downloaded.headers['content-disposition']).toMatch(/^attachment/);
      expect(downloaded.headers['content-type']).not.toMatch(/html|svg|xml/);
      if (disk === 'local') expect(downloaded.headers['x-content-type-options']).toBe('nosniff');
      expect(downloaded.bytes.toString()).toBe(body);
    }
  });

  it('rejects an executable with a reason its uploader sees, and posts no message', async () => {
    const elf = Buffer.alloc(256);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(elf);
    elf.writeUInt16LE(2, 16); // e_type: executable
    elf.writeUInt16LE(0x3e, 18); // e_machine: x86-64
    const queued = await upload(elf, 'invoice.pdf');
    const file = await settled(queued.id);
    expect(file).toMatchObject({
      status: 'rejected',
      status_reason: expect.stringContaining('Executable'),
    });
    expect(await messagesOfFile(queued.id)).toBe(0);
    const seenByOthers = await p.http.get(`/api/chats/${chatId}/files?limit=100`).set(auth(member));
    expect((seenByOthers.body.data as FileResource[]).map((f) => f.id)).not.toContain(queued.id);
    expect((await p.http.get(`/api/files/${queued.id}/download`).set(auth(owner))).status).toBe(
      404,
    );
  });

  it('completes every upload queued while the worker was down once it starts, one message each', async () => {
    await p.stopWorker();
    const queued: FileResource[] = [];
    for (let i = 0; i < 5; i++)
      queued.push(await upload(Buffer.from(`offline ${i}`), `offline-${i}.txt`, member));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await p.database.db.chatFile.findMany({
      where: { id: { in: queued.map((f) => f.id) } },
    });
    expect(rows.map((r) => r.status)).toEqual(Array(5).fill('processing'));
    await p.startWorker();
    for (const file of queued) {
      expect((await settled(file.id, member)).status).toBe('ready');
      expect(await messagesOfFile(file.id)).toBe(1);
    }
  });

  it('posts one message even when the job runs twice', async () => {
    const queued = await upload(Buffer.from('twice'), 'twice.txt');
    await settled(queued.id);
    await p.jobs.processFile(queued.id);
    await p.jobs.processFile(queued.id);
    await expect
      .poll(async () => {
        const counts = await p.jobs.queues.files.getJobCounts('waiting', 'active', 'delayed');
        return counts.waiting! + counts.active! + counts.delayed!;
      })
      .toBe(0);
    expect(await messagesOfFile(queued.id)).toBe(1);
  });
});
