import type { StorageConfig } from '@kelisim/config';
import { createLocalStorage } from './local.js';
import { createS3Storage } from './s3.js';
import type { Storage } from './storage.js';

export { attachmentDisposition } from './attachment-disposition.js';
export {
  createFileLinks,
  fileLinkKey,
  linkExpiry,
  type FileLinkCheck,
  type FileLinkKind,
  type SignedFileLinks,
} from './file-links.js';
export { newObjectKey, thumbnailKeyOf } from './keys.js';
export { createLocalStorage } from './local.js';
export { createS3Storage } from './s3.js';
export {
  ObjectNotFoundError,
  ObjectTooLargeError,
  type Storage,
  type StoredObject,
} from './storage.js';

export function createStorage(config: StorageConfig): Storage {
  switch (config.disk) {
    case 'local':
      return createLocalStorage(config.local.root);
    case 's3':
      return createS3Storage(config.s3);
  }
}
