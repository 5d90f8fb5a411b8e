import type { Request, Response } from 'express';
import type { ChatFile } from '@kelisim/db';
import multer, { MulterError, type StorageEngine } from 'multer';
import { pipeline } from 'node:stream/promises';
import { AppError, formatBytes, uploadFields } from '@kelisim/contracts';
import {
  authorizeUpload,
  listFiles,
  prepareDownload,
  registerUpload,
  type DomainContext,
} from '@kelisim/domain';
import {
  attachmentDisposition,
  newObjectKey,
  ObjectTooLargeError,
  type SignedFileLinks,
  type Storage,
} from '@kelisim/storage';
import type { RestHandlers } from '../http/rest-router.js';
import { parseInput } from '../http/validate.js';

export interface FileRoutesOptions {
  storage: Storage;
  /** Largest accepted upload in bytes (MAX_FILE_SIZE). */
  maxFileSize: number;
  /** Most bytes one user's live files may hold (CHAT_UPLOAD_QUOTA_BYTES); 0 or unset: no quota. */
  uploadQuotaBytes?: number;
  downloadUrlTtlSeconds: number;
  /** Signs file links and checks them at `GET <STORAGE_BASE_URL's path>/…`; unset: no links. */
  links?: SignedFileLinks | undefined;
}

type StoredFile = Express.Multer.File & { storageKey: string };

/** Uploads (multipart, streamed straight to storage), file lists and downloads. */
export function fileHandlers(ctx: DomainContext, options: FileRoutesOptions | undefined) {
  if (!options) {
    const off = { uploadFile: null, listFiles: null, downloadFile: null, fileThumbnail: null };
    return off satisfies Partial<RestHandlers>;
  }
  const { storage, maxFileSize } = options;
  const limits = { quotaBytes: options.uploadQuotaBytes ?? 0 };

  return {
    uploadFile: async ({ actor, params, req }, res) => {
      const chatId = params.id;
      if (!req.is('multipart/form-data')) {
        throw new AppError('unsupported_media_type', 'Upload the file as multipart/form-data.');
      }
      const declaredBytes = Number(req.headers['content-length'] ?? 0) || 0;
      if (declaredBytes > maxFileSize + 1_048_576) throw tooLarge(maxFileSize);
      // Rate limit, membership and quota, before multer stores a single byte.
      await authorizeUpload(ctx, actor, chatId, { declaredBytes, limits });
      const file = await receiveUpload(
        req,
        res,
        storageEngine(storage, chatId, maxFileSize),
        maxFileSize,
      );
      try {
        const fields = parseInput(uploadFields, req.body ?? {});
        const upload = {
          chatId,
          disk: storage.disk,
          storageKey: file.storageKey,
          originalName: file.originalname,
          size: file.size,
          caption: fields.content,
          tempId: fields.temp_id,
        };
        const resource = await registerUpload(ctx, actor, upload, limits);
        res.status(202).json({ data: resource });
      } catch (error) {
        await storage.delete(file.storageKey).catch(() => undefined);
        throw error;
      }
    },

    listFiles: async ({ actor, params, query }, res) => {
      const page = await listFiles(ctx, actor, params.id, query);
      res.json({ data: page.files, meta: { has_more: page.hasMore } });
    },

    downloadFile: async ({ actor, params }, res) => {
      await sendFile(res, options, await prepareDownload(ctx, actor, params.id));
    },

    fileThumbnail: async ({ actor, params }, res) => {
      await sendThumbnail(res, storage, await prepareDownload(ctx, actor, params.id));
    },
  } satisfies Partial<RestHandlers>;
}

function tooLarge(maxFileSize: number): AppError {
  return new AppError(
    'payload_too_large',
    `That file is too large (max ${formatBytes(maxFileSize)}).`,
  );
}

/** Writes each incoming file under a key the server generates; the client's name is metadata. */
function storageEngine(storage: Storage, chatId: number, maxBytes: number): StorageEngine {
  return {
    _handleFile(_req, file, callback) {
      const storageKey = newObjectKey(chatId);
      storage
        .put(storageKey, file.stream, { contentType: 'application/octet-stream', maxBytes })
        .then(({ size }) => callback(null, { storageKey, size } as Partial<StoredFile>))
        .catch((error: unknown) => callback(error as Error));
    },
    _removeFile(_req, file, callback) {
      storage
        .delete((file as StoredFile).storageKey)
        .then(() => callback(null))
        .catch((error: unknown) => callback(error as Error));
    },
  };
}

function receiveUpload(
  req: Request,
  res: Response,
  engine: StorageEngine,
  maxFileSize: number,
): Promise<StoredFile> {
  const upload = multer({
    storage: engine,
    defParamCharset: 'utf8',
    limits: { fileSize: maxFileSize, files: 1, fields: 4, fieldSize: 65_536, parts: 6 },
  }).single('file');
  return new Promise((resolve, reject) => {
    upload(req, res, (error: unknown) => {
      if (error) return reject(uploadError(error, maxFileSize));
      const file = req.file as StoredFile | undefined;
      if (!file)
        return reject(AppError.validation({ file: ['Attach the file in the `file` field.'] }));
      resolve(file);
    });
  });
}

function uploadError(error: unknown, maxFileSize: number): Error {
  if (error instanceof ObjectTooLargeError) return tooLarge(maxFileSize);
  if (!(error instanceof MulterError))
    return error instanceof Error ? error : new Error(String(error));
  if (error.code === 'LIMIT_FILE_SIZE') return tooLarge(maxFileSize);
  return AppError.validation({ [error.field ?? 'file']: [uploadLimitMessage(error.code)] });
}

function uploadLimitMessage(code: MulterError['code']): string {
  switch (code) {
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE':
      return 'Send exactly one file, in the `file` field.';
    case 'LIMIT_FIELD_VALUE':
      return 'This field is too long.';
    default:
      return 'The upload has too many or unexpected parts.';
  }
}

/** A file's bytes as an attachment: a redirect to S3's presigned URL, or streamed from disk. */
export async function sendFile(
  res: Response,
  options: Pick<FileRoutesOptions, 'storage' | 'downloadUrlTtlSeconds'>,
  file: ChatFile,
): Promise<void> {
  const { storage } = options;
  const contentType = file.mimeType ?? 'application/octet-stream';
  const url = await storage.downloadUrl(file.storageKey, {
    filename: file.originalName,
    contentType,
    expiresInSeconds: options.downloadUrlTtlSeconds,
  });
  if (url) {
    res.redirect(302, url);
    return;
  }
  await sendObject(res, storage, file.storageKey, {
    contentType,
    disposition: attachmentDisposition(file.originalName),
    size: file.size === null ? undefined : Number(file.size),
  });
}

/** An image's WebP preview, streamed inline (for `<img src>`); 404 when it has none. */
export async function sendThumbnail(
  res: Response,
  storage: Storage,
  file: ChatFile,
): Promise<void> {
  if (!file.thumbnailKey) throw new AppError('not_found', 'This file has no thumbnail.');
  await sendObject(res, storage, file.thumbnailKey, {
    contentType: 'image/webp',
    disposition: 'inline',
  });
}

/** Streams a stored object as a download that browsers never render or sniff; HEAD: headers only. */
async function sendObject(
  res: Response,
  storage: Storage,
  key: string,
  headers: { contentType: string; disposition: string; size?: number | undefined },
): Promise<void> {
  const body = await storage.get(key);
  res.setHeader('Content-Type', headers.contentType);
  res.setHeader('Content-Disposition', headers.disposition);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'private, max-age=300');
  if (headers.size !== undefined) res.setHeader('Content-Length', String(headers.size));
  if (res.req.method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  await pipeline(body, res);
}
