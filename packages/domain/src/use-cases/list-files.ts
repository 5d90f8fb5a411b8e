import { AppError, type FileResource } from '@kelisim/contracts';
import type { ChatFile } from '@kelisim/db';
import { findMembership, requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { toFileResource } from '../resources.js';

export interface FilePage {
  files: FileResource[];
  hasMore: boolean;
}

/**
 * The chat's files, newest first: ready ones, plus my own uploads in any state (so I can see one
 * still processing, rejected or failed, and why).
 */
export async function listFiles(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  query: { limit: number; before?: number | undefined },
): Promise<FilePage> {
  await requireMembership(ctx.db, chatId, actor.userId);
  const rows = await ctx.db.chatFile.findMany({
    where: {
      chatId,
      deletedAt: null,
      OR: [{ status: 'ready' }, { uploaderId: actor.userId }],
      ...(query.before !== undefined ? { id: { lt: query.before } } : {}),
    },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
  });
  return {
    files: rows.slice(0, query.limit).map((file) => toFileResource(file, ctx.fileLinks)),
    hasMore: rows.length > query.limit,
  };
}

/** A ready file a participant of its chat may download; 404 for anyone else. */
export async function prepareDownload(
  ctx: DomainContext,
  actor: Actor,
  fileId: number,
): Promise<ChatFile> {
  const file = await downloadableFile(ctx, fileId);
  if (!(await findMembership(ctx.db, Number(file.chatId), actor.userId))) throw fileNotFound();
  return file;
}

/**
 * The file a signed link (`url`, `thumbnail_url`) opens: whoever holds an unexpired link may
 * download it while it is ready and not deleted (with its message); 404 otherwise.
 */
export async function downloadableFile(ctx: DomainContext, fileId: number): Promise<ChatFile> {
  const file = await ctx.db.chatFile.findUnique({ where: { id: fileId } });
  if (!file || file.deletedAt !== null || file.status !== 'ready') throw fileNotFound();
  return file;
}

const fileNotFound = () => new AppError('not_found', 'File not found.');
