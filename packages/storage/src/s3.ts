import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { StorageConfig } from '@kelisim/config';
import { pipeline, Readable } from 'node:stream';
import { attachmentDisposition } from './attachment-disposition.js';
import { ByteCounter } from './byte-counter.js';
import { assertObjectKey, objectKeyPrefix } from './keys.js';
import {
  defaultListPageSize,
  ObjectNotFoundError,
  ObjectTooLargeError,
  type Storage,
  type StoredObject,
} from './storage.js';

/** Objects in one S3 (or S3-compatible) bucket; clients download through presigned URLs. */
export function createS3Storage(config: StorageConfig['s3']): Storage {
  const clientFor = (endpoint: string | undefined) =>
    new S3Client({
      region: config.region,
      endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials:
        config.accessKeyId && config.secretAccessKey
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const client = clientFor(config.endpoint);
  // Presigning is local: a client for the address browsers reach never sends a request itself.
  const presigner = config.publicEndpoint ? clientFor(config.publicEndpoint) : client;
  const Bucket = config.bucket;

  async function deleteObject(key: string): Promise<void> {
    assertObjectKey(key);
    await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
  }

  return {
    disk: 's3',

    async put(key, body, options = {}) {
      assertObjectKey(key);
      const counter = new ByteCounter(options.maxBytes);
      pipeline(body, counter, () => {
        // Errors reach the upload through `counter`; a counter error destroys `body`.
      });
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: counter, ContentType: options.contentType },
      });
      try {
        // On failure, Upload aborts the multipart upload it started before rejecting.
        await upload.done();
      } catch (error) {
        // The body's own failure (or ObjectTooLargeError) explains more than a failed abort.
        const streamError = counter.errored;
        counter.destroy();
        if (streamError instanceof ObjectTooLargeError) await deleteObject(key);
        throw streamError ?? error;
      }
      return { size: counter.bytes };
    },

    async get(key) {
      assertObjectKey(key);
      const response = await client
        .send(new GetObjectCommand({ Bucket, Key: key }))
        .catch((error: unknown) => {
          throw isNotFound(error) ? new ObjectNotFoundError(key) : error;
        });
      if (!(response.Body instanceof Readable)) {
        throw new Error(`S3 returned no body stream for ${key}`);
      }
      return response.Body;
    },

    delete: deleteObject,

    async exists(key) {
      assertObjectKey(key);
      return client.send(new HeadObjectCommand({ Bucket, Key: key })).then(
        () => true,
        (error: unknown) => {
          if (isNotFound(error)) return false;
          throw error;
        },
      );
    },

    // ListObjects (v1) paged by Marker = the last key: every S3 implementation has it, while
    // ListObjectsV2's continuation tokens are opaque and not all S3-compatible servers make them.
    async *list({ pageSize = defaultListPageSize } = {}) {
      let Marker: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListObjectsCommand({ Bucket, Prefix: objectKeyPrefix, MaxKeys: pageSize, Marker }),
        );
        const objects: StoredObject[] = (page.Contents ?? []).flatMap((object) =>
          object.Key ? [{ key: object.Key, lastModified: object.LastModified ?? new Date() }] : [],
        );
        if (objects.length > 0) yield objects;
        if (!page.IsTruncated || objects.length === 0) return;
        Marker = objects[objects.length - 1]!.key;
      }
    },

    async downloadUrl(key, { filename, contentType, expiresInSeconds }) {
      assertObjectKey(key);
      const command = new GetObjectCommand({
        Bucket,
        Key: key,
        ResponseContentDisposition: attachmentDisposition(filename),
        ResponseContentType: contentType,
      });
      return getSignedUrl(presigner, command, { expiresIn: expiresInSeconds });
    },
  };
}

/** GetObject reports NoSuchKey; HeadObject, having no body, only NotFound. */
function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound')
  );
}
