import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, opendir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ByteCounter } from './byte-counter.js';
import { assertObjectKey, objectKeyPrefix } from './keys.js';
import {
  defaultListPageSize,
  ObjectNotFoundError,
  type Storage,
  type StoredObject,
} from './storage.js';

/** Files under `root`, one per key; the API streams downloads itself. */
export function createLocalStorage(root: string): Storage {
  const base = path.resolve(root);

  function pathOf(key: string): string {
    assertObjectKey(key);
    const file = path.resolve(base, key);
    const relative = path.relative(base, file);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error(`Invalid object key: ${JSON.stringify(key)}`);
    }
    return file;
  }

  return {
    disk: 'local',

    async put(key, body, options = {}) {
      const file = pathOf(key);
      const directory = path.dirname(file);
      await mkdir(directory, { recursive: true });
      const temp = path.join(
        directory,
        `.${path.basename(file)}.${randomBytes(8).toString('hex')}.part`,
      );
      const counter = new ByteCounter(options.maxBytes);
      const out = createWriteStream(temp, { flags: 'wx' });
      try {
        await pipeline(body, counter, out);
        await rename(temp, file);
      } catch (error) {
        if (!out.closed) {
          out.destroy();
          await new Promise<void>((resolve) => out.once('close', () => resolve()));
        }
        await rm(temp, { force: true });
        throw error;
      }
      return { size: counter.bytes };
    },

    async get(key) {
      const file = pathOf(key);
      const handle = await open(file, 'r').catch((error: unknown) => {
        throw isMissing(error) ? new ObjectNotFoundError(key) : error;
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new ObjectNotFoundError(key);
      }
      return handle.createReadStream();
    },

    async delete(key) {
      await unlink(pathOf(key)).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    },

    async exists(key) {
      const file = pathOf(key);
      return stat(file).then(
        (stats) => stats.isFile(),
        (error: unknown) => {
          if (isMissing(error)) return false;
          throw error;
        },
      );
    },

    async *list({ pageSize = defaultListPageSize } = {}) {
      let page: StoredObject[] = [];
      for await (const file of walk(path.join(base, objectKeyPrefix))) {
        const stats = await lstat(file).catch(() => undefined);
        if (!stats?.isFile()) continue;
        page.push({
          key: path.relative(base, file).split(path.sep).join('/'),
          lastModified: stats.mtime,
        });
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },

    downloadUrl() {
      return Promise.resolve(undefined);
    },
  };
}

/** Files below `directory`, depth first, one directory handle open at a time per level. */
async function* walk(directory: string): AsyncGenerator<string> {
  const entries = await opendir(directory).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw error;
  });
  if (!entries) return;
  for await (const entry of entries) {
    const child = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(child);
    else if (entry.isFile()) yield child;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
