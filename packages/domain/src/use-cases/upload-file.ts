import { AppError, type FileResource } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { liveFile } from './file-objects.js';
import { limitUploads } from '../rate-limits.js';
import { toFileResource } from '../resources.js';

export interface UploadLimits {
  /** Most bytes a user's live files (processing or ready, not deleted) may hold; 0: no quota. */
  quotaBytes: number;
}

/** What a request's multipart framing may add to the file's own bytes. */
const multipartOverheadBytes = 16 * 1024;

/**
 * Checked before any byte of the body is read: the upload counts against the uploader's send
 * rate limit (the same cluster-wide budget as text messages), only participants may upload, and
 * a body that cannot fit in the uploader's quota is refused.
 */
export async function authorizeUpload(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  request: { declaredBytes: number; limits: UploadLimits },
): Promise<void> {
  await limitUploads(ctx, actor);
  await requireMembership(ctx.db, chatId, actor.userId);
  const fileBytes = Math.max(0, request.declaredBytes - multipartOverheadBytes);
  await requireQuota(ctx, actor, fileBytes, request.limits);
}

async function requireQuota(
  ctx: DomainContext,
  actor: Actor,
  bytes: number,
  limits: UploadLimits,
): Promise<void> {
  if (limits.quotaBytes <= 0) return;
  const used = await storedBytesOf(ctx, actor.userId);
  if (used + bytes > limits.quotaBytes) {
    throw new AppError(
      'payload_too_large',
      `This upload would exceed your storage quota of ${formatBytes(limits.quotaBytes)} ` +
        `(${formatBytes(used)} used); delete some of your files first.`,
    );
  }
}

/** Bytes held by the user's live uploads: one query over an index that covers it. */
async function storedBytesOf(ctx: DomainContext, userId: number): Promise<number> {
  const { _sum } = await ctx.db.chatFile.aggregate({
    where: { uploaderId: userId, ...liveFile },
    _sum: { size: true },
  });
  return Number(_sum.size ?? 0);
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

export interface StoredUpload {
  chatId: number;
  disk: string;
  storageKey: string;
  originalName: string;
  size: number;
  caption?: string | undefined;
  tempId?: string | undefined;
}

/**
 * Records a stored upload as `processing` and queues its processing. If queueing fails the row
 * stays `processing`, and the periodic reconcile queues it again: nothing is lost. The quota is
 * checked again with the stored size (the caller removes the stored object when this throws).
 */
export async function registerUpload(
  ctx: DomainContext,
  actor: Actor,
  upload: StoredUpload,
  limits: UploadLimits,
): Promise<FileResource> {
  await requireMembership(ctx.db, upload.chatId, actor.userId);
  await requireQuota(ctx, actor, upload.size, limits);
  const at = now();
  const file = await ctx.db.chatFile.create({
    data: {
      chatId: upload.chatId,
      uploaderId: actor.userId,
      disk: upload.disk,
      storageKey: upload.storageKey,
      originalName: displayName(upload.originalName),
      size: upload.size,
      caption: upload.caption?.trim() ? upload.caption : null,
      clientId: upload.tempId ?? null,
      status: 'processing',
      createdAt: at,
      updatedAt: at,
    },
  });
  await ctx.jobs.processFile(Number(file.id)).catch(() => undefined);
  return toFileResource(file, ctx.fileLinks);
}

/** The client's filename is metadata only: its last path segment, without control characters. */
export function displayName(raw: string): string {
  const name =
    raw
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .split(/[\\/]/)
      .pop()
      ?.trim() ?? '';
  return [...(name || 'file')].slice(0, 200).join('');
}
