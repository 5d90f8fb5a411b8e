import { findUnreferencedObjects, removableFileObjects, type DomainContext } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { Storage } from '@kelisim/storage';

export interface FileObjectsDeps {
  ctx: DomainContext;
  storage: Storage;
  logger: Logger;
}

/**
 * The `deleteFileObjects` job: removes the stored object and thumbnail of a deleted, rejected or
 * failed file. Safe to run again (removing a missing object succeeds); a live file is left alone.
 */
export async function deleteFileObjects(
  deps: FileObjectsDeps,
  payload: { file_id: number },
): Promise<{ removed: number }> {
  const keys = await removableFileObjects(deps.ctx, payload.file_id);
  for (const key of keys) await deps.storage.delete(key);
  if (keys.length > 0) {
    deps.logger.info({ fileId: payload.file_id, objects: keys.length }, 'file objects removed');
  }
  return { removed: keys.length };
}

/**
 * The periodic `sweepOrphanObjects` job: walks storage a page at a time and removes objects older
 * than `graceMs` that no live file references (objects of deleted, rejected and failed files that
 * their own job missed, objects whose row was never created or was removed with its chat, and
 * temp files of interrupted writes). The grace period spares uploads in flight, whose bytes are
 * stored before their row is created, and thumbnails written before their file is completed.
 */
export async function sweepOrphanObjects(
  deps: FileObjectsDeps & { graceMs: number; pageSize?: number },
): Promise<{ scanned: number; removed: number }> {
  let scanned = 0;
  let removed = 0;
  const pages = deps.storage.list(deps.pageSize ? { pageSize: deps.pageSize } : {});
  for await (const page of pages) {
    scanned += page.length;
    const cutoff = Date.now() - deps.graceMs;
    const old = page.filter((object) => object.lastModified.getTime() <= cutoff);
    const orphans = await findUnreferencedObjects(
      deps.ctx,
      old.map((object) => object.key),
    );
    for (const key of orphans) await deps.storage.delete(key);
    removed += orphans.length;
  }
  deps.logger.info({ scanned, removed, graceMs: deps.graceMs }, 'orphan objects swept');
  return { scanned, removed };
}
