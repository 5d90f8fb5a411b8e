import type { FileResource, MessageResource } from '@kelisim/contracts';
import { appendMessage } from '../append-message.js';
import { now, type DomainContext } from '../context.js';
import { toFileResource, toMessageResource } from '../resources.js';
import { inTransaction, type Tx } from '../transactions.js';

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
      /** A thumbnail already stored, to be removed with the file. */
      thumbnailKey?: string | undefined;
    };

export interface CompletedFile {
  file: FileResource;
  message: MessageResource | null;
}

/** Why a processed file posts no message when its uploader has left the chat meanwhile. */
export const uploaderLeftReason = 'The uploader is no longer a participant of this chat.';

/**
 * Records what processing found. A ready file becomes an image or file message in its chat (with
 * a seq, like any message), provided its uploader still takes part in the chat when it is posted;
 * otherwise it is rejected. A rejected file's stored bytes are removed by the worker. Idempotent: a
 * file no longer `processing` is returned as it is, so a job that runs twice posts one message.
 */
export async function completeFile(
  ctx: DomainContext,
  fileId: number,
  outcome: FileOutcome,
): Promise<CompletedFile | null> {
  const result = await inTransaction(ctx.db, async (tx) => {
    const [locked] = await tx.$queryRaw<{ status: string; chat_id: bigint; uploader_id: bigint }[]>`
      SELECT status, chat_id, uploader_id FROM chat_files WHERE id = ${fileId} FOR UPDATE`;
    if (!locked || locked.status !== 'processing') return null;
    const recorded: FileOutcome =
      outcome.status === 'ready' && !(await uploaderTakesPart(tx, locked))
        ? {
            status: 'rejected',
            reason: uploaderLeftReason,
            mimeType: outcome.mimeType,
            size: outcome.size,
            sha256: outcome.sha256,
            thumbnailKey: outcome.thumbnailKey,
          }
        : outcome;
    const at = now();
    const file = await tx.chatFile.update({
      where: { id: fileId },
      data:
        recorded.status === 'ready'
          ? {
              status: 'ready',
              mimeType: recorded.mimeType,
              size: recorded.size,
              sha256: recorded.sha256,
              width: recorded.width ?? null,
              height: recorded.height ?? null,
              thumbnailKey: recorded.thumbnailKey ?? null,
              updatedAt: at,
            }
          : {
              status: 'rejected',
              statusReason: recorded.reason,
              mimeType: recorded.mimeType ?? null,
              size: recorded.size ?? undefined,
              sha256: recorded.sha256 ?? null,
              thumbnailKey: recorded.thumbnailKey ?? null,
              updatedAt: at,
            },
    });
    if (file.status !== 'ready') return { file, message: null };
    const uploader = await tx.user.findUniqueOrThrow({
      where: { id: file.uploaderId },
      select: { id: true, name: true },
    });
    const { row: message } = await appendMessage(tx, {
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

  const file = toFileResource(result.file, ctx.fileLinks);
  const message = result.message && toMessageResource(result.message, ctx.fileLinks);
  if (message) {
    ctx.events.publish({ chatIds: [file.chat_id] }, 'new_message', { message });
    ctx.events.publish({ chatIds: [file.chat_id] }, 'file_ready', { file, message });
    ctx.jobs.pushUnreadCounts({ chatIds: [file.chat_id] });
    ctx.jobs.notifyLaravel('message.created', { message_id: message.id });
  } else {
    ctx.jobs.deleteFileObjects(file.id);
    ctx.events.publish({ userIds: [file.uploader_id] }, 'file_failed', { file });
  }
  return { file, message };
}

/**
 * Whether the uploader still takes part in the (not deleted) chat. The chat row is locked first,
 * in the order a send takes its locks, then the participant row, so a removal either commits
 * before (and the file is rejected) or waits until the message is posted.
 */
async function uploaderTakesPart(
  tx: Tx,
  file: { chat_id: bigint; uploader_id: bigint },
): Promise<boolean> {
  const [chat] = await tx.$queryRaw<{ open: bigint }[]>`
    SELECT deleted_at IS NULL AS open FROM chats WHERE id = ${file.chat_id} FOR UPDATE`;
  if (!chat || !Number(chat.open)) return false;
  const [participant] = await tx.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM participants
    WHERE chat_id = ${file.chat_id} AND user_id = ${file.uploader_id} FOR UPDATE`;
  return participant !== undefined;
}

/**
 * A file whose processing failed for good: `failed` with a reason its uploader can see; its stored
 * bytes are removed by the worker.
 */
export async function failFile(ctx: DomainContext, fileId: number, reason: string): Promise<void> {
  const { count } = await ctx.db.chatFile.updateMany({
    where: { id: fileId, status: 'processing' },
    data: { status: 'failed', statusReason: reason.slice(0, 255), updatedAt: now() },
  });
  if (count === 0) return;
  ctx.jobs.deleteFileObjects(fileId);
  const failed = await ctx.db.chatFile.findUnique({ where: { id: fileId } });
  if (!failed) return;
  const file = toFileResource(failed, ctx.fileLinks);
  ctx.events.publish({ userIds: [file.uploader_id] }, 'file_failed', { file });
}
