import { Router, type Request, type Response } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import { pipeline } from 'node:stream/promises';
import { AppError, chatIdParams, fileIdParams, filesQuery, uploadFields } from '@kelisim/contracts';
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
  type Storage,
} from '@kelisim/storage';
import { parseInput } from '../http/validate.js';

export interface FileRoutesOptions {
  storage: Storage;
  /** Largest accepted upload in bytes (MAX_FILE_SIZE). */
  maxFileSize: number;
  /** Most bytes one user's live files may hold (CHAT_UPLOAD_QUOTA_BYTES); 0 or unset: no quota. */
  uploadQuotaBytes?: number;
  downloadUrlTtlSeconds: number;
}

type StoredFile = Express.Multer.File & { storageKey: string };

/** Multipart uploads: field `file` (+ optional `content`, `temp_id`), streamed straight to storage. */
export function fileRoutes(ctx: DomainContext, options: FileRoutesOptions): Router {
  const router = Router();
  const { storage, maxFileSize } = options;
  const limits = { quotaBytes: options.uploadQuotaBytes ?? 0 };

  router.post('/chats/:id/files', async (req, res) => {
    const { id: chatId } = parseInput(chatIdParams, req.params);
    if (!req.is('multipart/form-data')) {
      throw new AppError('unsupported_media_type', 'Upload the file as multipart/form-data.');
    }
    const declaredBytes = Number(req.headers['content-length'] ?? 0) || 0;
    if (declaredBytes > maxFileSize + 1_048_576) throw tooLarge(maxFileSize);
    // Rate limit, membership and quota, before multer stores a single byte.
    await authorizeUpload(ctx, res.locals.actor, chatId, { declaredBytes, limits });
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
      const resource = await registerUpload(ctx, res.locals.actor, upload, limits);
      res.status(202).json({ data: resource });
    } catch (error) {
      await storage.delete(file.storageKey).catch(() => undefined);
      throw error;
    }
  });

  router.get('/chats/:id/files', async (req, res) => {
    const { id } = parseInput(chatIdParams, req.params);
    const page = await listFiles(ctx, res.locals.actor, id, parseInput(filesQuery, req.query));
    res.json({ data: page.files, meta: { has_more: page.hasMore } });
  });

  router.get('/files/:id/download', async (req, res) => {
    const { id } = parseInput(fileIdParams, req.params);
    const file = await prepareDownload(ctx, res.locals.actor, id);
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
  });

  router.get('/files/:id/thumbnail', async (req, res) => {
    const { id } = parseInput(fileIdParams, req.params);
    const file = await prepareDownload(ctx, res.locals.actor, id);
    if (!file.thumbnailKey) throw new AppError('not_found', 'This file has no thumbnail.');
    await sendObject(res, storage, file.thumbnailKey, {
      contentType: 'image/webp',
      disposition: 'inline',
    });
  });

  return router;
}

function tooLarge(maxFileSize: number): AppError {
  return new AppError('payload_too_large', `The file is larger than ${maxFileSize} bytes.`);
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

/** Streams a stored object as a download that browsers never render or sniff. */
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
  await pipeline(body, res);
}
