import type { FileResource } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { toFileResource } from '../resources.js';

/** Only participants may upload; checked before any byte of the body is read. */
export async function authorizeUpload(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
): Promise<void> {
  await requireMembership(ctx.db, chatId, actor.userId);
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
 * stays `processing`, and the periodic reconcile queues it again: nothing is lost.
 */
export async function registerUpload(
  ctx: DomainContext,
  actor: Actor,
  upload: StoredUpload,
): Promise<FileResource> {
  await requireMembership(ctx.db, upload.chatId, actor.userId);
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
  return toFileResource(file);
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
