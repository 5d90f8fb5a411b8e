import type { S3Client } from '@aws-sdk/client-s3';
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

/** The AWS SDK, loaded on first use: nodes on local disk never hold its ~25 MB. */
const loadSdk = async () => {
  const [s3, storage, presigner] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/lib-storage'),
    import('@aws-sdk/s3-request-presigner'),
  ]);
  return { ...s3, Upload: storage.Upload, getSignedUrl: presigner.getSignedUrl };
};
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

/** Objects in one S3 (or S3-compatible) bucket; clients download through presigned URLs. */
export function createS3Storage(config: StorageConfig['s3']): Storage {
  let connected: Promise<{ sdk: Sdk; client: S3Client; presigner: S3Client }> | undefined;
  const connect = () => (connected ??= loadSdk().then(clientsOf));
  const clientsOf = (sdk: Sdk) => {
    const clientFor = (endpoint: string | undefined) =>
      new sdk.S3Client({
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
    return {
      sdk,
      client,
      presigner: config.publicEndpoint ? clientFor(config.publicEndpoint) : client,
    };
  };
  const Bucket = config.bucket;

  async function deleteObject(key: string): Promise<void> {
    assertObjectKey(key);
    const { sdk, client } = await connect();
    await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: key }));
  }

  return {
    disk: 's3',

    async put(key, body, options = {}) {
      assertObjectKey(key);
      const { sdk, client } = await connect();
      const counter = new ByteCounter(options.maxBytes);
      pipeline(body, counter, () => {
        // Errors reach the upload through `counter`; a counter error destroys `body`.
      });
      const upload = new sdk.Upload({
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
      const { sdk, client } = await connect();
      const response = await client
        .send(new sdk.GetObjectCommand({ Bucket, Key: key }))
        .catch((error: unknown) => {
          throw isNotFound(sdk, error) ? new ObjectNotFoundError(key) : error;
        });
      if (!(response.Body instanceof Readable)) {
        throw new Error(`S3 returned no body stream for ${key}`);
      }
      return response.Body;
    },

    delete: deleteObject,

    async exists(key) {
      assertObjectKey(key);
      const { sdk, client } = await connect();
      return client.send(new sdk.HeadObjectCommand({ Bucket, Key: key })).then(
        () => true,
        (error: unknown) => {
          if (isNotFound(sdk, error)) return false;
          throw error;
        },
      );
    },

    // ListObjects (v1) paged by Marker = the last key: every S3 implementation has it, while
    // ListObjectsV2's continuation tokens are opaque and not all S3-compatible servers make them.
    async *list({ pageSize = defaultListPageSize } = {}) {
      const { sdk, client } = await connect();
      let Marker: string | undefined;
      for (;;) {
        const page = await client.send(
          new sdk.ListObjectsCommand({
            Bucket,
            Prefix: objectKeyPrefix,
            MaxKeys: pageSize,
            Marker,
          }),
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
      const { sdk, presigner } = await connect();
      const command = new sdk.GetObjectCommand({
        Bucket,
        Key: key,
        ResponseContentDisposition: attachmentDisposition(filename),
        ResponseContentType: contentType,
      });
      return sdk.getSignedUrl(presigner, command, { expiresIn: expiresInSeconds });
    },
  };
}

/** GetObject reports NoSuchKey; HeadObject, having no body, only NotFound. */
function isNotFound(sdk: Sdk, error: unknown): boolean {
  return (
    error instanceof sdk.S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound')
  );
}
