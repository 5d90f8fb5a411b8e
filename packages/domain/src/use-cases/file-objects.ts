import type { Prisma } from '@kelisim/db';
import type { DomainContext } from '../context.js';

/** A file whose bytes are still wanted: not deleted, and processing or ready. */
export const liveFile = {
  deletedAt: null,
  status: { in: ['processing', 'ready'] },
} satisfies Prisma.ChatFileWhereInput;

function isLiveFile(file: { deletedAt: Date | null; status: string }): boolean {
  return file.deletedAt === null && (liveFile.status.in as readonly string[]).includes(file.status);
}

/**
 * The stored keys (object and thumbnail) of a file whose bytes may go: deleted, rejected or
 * failed. None for a live file or a row that no longer exists (the orphan sweep handles those).
 */
export async function removableFileObjects(ctx: DomainContext, fileId: number): Promise<string[]> {
  const file = await ctx.db.chatFile.findUnique({
    where: { id: fileId },
    select: { storageKey: true, thumbnailKey: true, deletedAt: true, status: true },
  });
  if (!file) return [];
  if (isLiveFile(file)) return [];
  return file.thumbnailKey ? [file.storageKey, file.thumbnailKey] : [file.storageKey];
}

/**
 * Of these stored keys, those no live file references, as its object or its thumbnail: objects
 * of deleted, rejected and failed files, and objects no row knows at all.
 */
export async function findUnreferencedObjects(
  ctx: DomainContext,
  keys: string[],
): Promise<string[]> {
  if (keys.length === 0) return [];
  const referenced = await ctx.db.chatFile.findMany({
    where: { ...liveFile, OR: [{ storageKey: { in: keys } }, { thumbnailKey: { in: keys } }] },
    select: { storageKey: true, thumbnailKey: true },
  });
  const wanted = new Set(referenced.flatMap((file) => [file.storageKey, file.thumbnailKey]));
  return keys.filter((key) => !wanted.has(key));
}
