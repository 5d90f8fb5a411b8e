import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Metadata } from 'sharp';
import {
  completeFile,
  failFile,
  refusalOfFileType,
  type DomainContext,
  type FileOutcome,
} from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { thumbnailKeyOf, type Storage } from '@kelisim/storage';

export interface FileProcessorDeps {
  ctx: DomainContext;
  storage: Storage;
  logger: Logger;
}

/** Images we decode for dimensions and a thumbnail (sharp's safe, common formats). */
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

const thumbnailSize = 320;
const sniffBytes = 4_100;

/**
 * The `processFile` job: reads the stored object (not a local path, so API and worker may run on
 * different hosts), sniffs its real type from the bytes, hashes it, makes a thumbnail for images,
 * and records the outcome. Running it twice is harmless: a file no longer processing is skipped.
 */
export async function processFile(
  deps: FileProcessorDeps,
  payload: { file_id: number },
  attempt: { final: boolean },
): Promise<void> {
  const file = await deps.ctx.db.chatFile.findUnique({ where: { id: payload.file_id } });
  if (!file || file.status !== 'processing') return;
  try {
    const outcome = await inspect(deps.storage, file.storageKey);
    const done = await completeFile(deps.ctx, payload.file_id, outcome);
    deps.logger.info(
      {
        fileId: payload.file_id,
        status: outcome.status,
        mimeType: outcome.mimeType,
        skipped: !done,
      },
      'file processed',
    );
  } catch (error) {
    if (attempt.final) {
      await failFile(deps.ctx, payload.file_id, 'The file could not be processed.');
    }
    throw error;
  }
}

async function inspect(storage: Storage, key: string): Promise<FileOutcome> {
  const { size, sha256, head } = await digest(await storage.get(key));
  // Loaded on first use, like sharp below: roles that never process a file do not hold them.
  const { fileTypeFromBuffer } = await import('file-type');
  const sniffed = await fileTypeFromBuffer(head);
  const mimeType = sniffed?.mime ?? 'application/octet-stream';
  const refusal = refusalOfFileType(mimeType);
  if (refusal) return { status: 'rejected', reason: refusal, mimeType, size, sha256 };
  if (!imageTypes.has(mimeType)) return { status: 'ready', mimeType, size, sha256 };
  const preview = await thumbnail(storage, key);
  if (!preview) return { status: 'ready', mimeType, size, sha256 };
  return { status: 'ready', mimeType, size, sha256, ...preview };
}

/** One streaming pass: size, SHA-256 and the first bytes for type sniffing. */
async function digest(body: Readable): Promise<{ size: number; sha256: string; head: Buffer }> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  await pipeline(
    body,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        if (headLength < sniffBytes) {
          head.push(chunk.subarray(0, sniffBytes - headLength));
          headLength += Math.min(chunk.length, sniffBytes - headLength);
        }
        callback();
      },
    }),
  );
  return { size, sha256: hash.digest('hex'), head: Buffer.concat(head) };
}

/** Dimensions and a WebP preview; undefined when the image cannot be decoded (kept as a plain file). */
async function thumbnail(
  storage: Storage,
  key: string,
): Promise<{ width: number; height: number; thumbnailKey: string } | undefined> {
  const { default: sharp } = await import('sharp');
  const decoder = sharp({ limitInputPixels: 100_000_000, failOn: 'error' });
  const source = await storage.get(key);
  source.pipe(decoder);
  source.on('error', (error) => decoder.destroy(error));
  let decoded: { metadata: Metadata; preview: Buffer };
  try {
    const [metadata, preview] = await Promise.all([
      decoder.metadata(),
      decoder
        .clone()
        .rotate()
        .resize(thumbnailSize, thumbnailSize, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer(),
    ]);
    decoded = { metadata, preview };
  } catch {
    return undefined; // not a decodable image after all: a plain file
  }
  const { metadata, preview } = decoded;
  if (!metadata.width || !metadata.height) return undefined;
  const thumbnailKey = thumbnailKeyOf(key);
  await storage.put(thumbnailKey, Readable.from(preview), { contentType: 'image/webp' });
  const rotated = (metadata.orientation ?? 1) >= 5;
  return {
    width: rotated ? metadata.height : metadata.width,
    height: rotated ? metadata.width : metadata.height,
    thumbnailKey,
  };
}
