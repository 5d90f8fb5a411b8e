import type { FileResource, MessageResource } from '@kelisim/contracts';
import { appendMessage } from '../append-message.js';
import { now, type DomainContext } from '../context.js';
import { toFileResource, toMessageResource } from '../resources.js';
import { inTransaction } from '../transactions.js';

export type FileOutcome =
  | {
      status: 'ready';
      mimeType: string;
      size: number;
      sha256: string;
      width?: number | undefined;
      height?: number | undefined;
      thumbnailKey?: string | undefined;
    }
  | {
      status: 'rejected';
      reason: string;
      mimeType?: string | undefined;
      size?: number;
      sha256?: string;
    };

export interface CompletedFile {
  file: FileResource;
  message: MessageResource | null;
}

/**
 * Records what processing found. A ready file becomes an image or file message in its chat (with
 * a seq, like any message). Idempotent: a file no longer `processing` is returned as it is, so a
 * job that runs twice posts one message.
 */
export async function completeFile(
  ctx: DomainContext,
  fileId: number,
  outcome: FileOutcome,
): Promise<CompletedFile | null> {
  const result = await inTransaction(ctx.db, async (tx) => {
    const [locked] = await tx.$queryRaw<{ status: string }[]>`
      SELECT status FROM chat_files WHERE id = ${fileId} FOR UPDATE`;
    if (!locked || locked.status !== 'processing') return null;
    const at = now();
    const file = await tx.chatFile.update({
      where: { id: fileId },
      data:
        outcome.status === 'ready'
          ? {
              status: 'ready',
              mimeType: outcome.mimeType,
              size: outcome.size,
              sha256: outcome.sha256,
              width: outcome.width ?? null,
              height: outcome.height ?? null,
              thumbnailKey: outcome.thumbnailKey ?? null,
              updatedAt: at,
            }
          : {
              status: 'rejected',
              statusReason: outcome.reason,
              mimeType: outcome.mimeType ?? null,
              size: outcome.size ?? undefined,
              sha256: outcome.sha256 ?? null,
              updatedAt: at,
            },
    });
    if (file.status !== 'ready') return { file, message: null };
    const uploader = await tx.user.findUniqueOrThrow({
      where: { id: file.uploaderId },
      select: { id: true, name: true },
    });
    const message = await appendMessage(tx, {
      chatId: Number(file.chatId),
      sender: { id: Number(uploader.id), name: uploader.name },
      type: file.width !== null && file.thumbnailKey !== null ? 'image' : 'file',
      content: file.caption,
      clientId: file.clientId,
      file,
    });
    return { file, message };
  });
  if (!result) return null;

  const file = toFileResource(result.file);
  const message = result.message && toMessageResource(result.message);
  if (message) {
    ctx.events.publish({ chatIds: [file.chat_id] }, 'new_message', { message });
    ctx.events.publish({ chatIds: [file.chat_id] }, 'file_ready', { file, message });
    ctx.jobs.notifyLaravel('message.created', { message });
  } else {
    ctx.events.publish({ userIds: [file.uploader_id] }, 'file_failed', { file });
  }
  return { file, message };
}

/** A file whose processing failed for good: `failed` with a reason its uploader can see. */
export async function failFile(ctx: DomainContext, fileId: number, reason: string): Promise<void> {
  const { count } = await ctx.db.chatFile.updateMany({
    where: { id: fileId, status: 'processing' },
    data: { status: 'failed', statusReason: reason.slice(0, 255), updatedAt: now() },
  });
  if (count === 0) return;
  const failed = await ctx.db.chatFile.findUnique({ where: { id: fileId } });
  if (!failed) return;
  const file = toFileResource(failed);
  ctx.events.publish({ userIds: [file.uploader_id] }, 'file_failed', { file });
}
