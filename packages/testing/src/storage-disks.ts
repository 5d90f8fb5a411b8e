import type { StorageConfig } from '@kelisim/config';
import type { TestS3 } from './s3.js';

/**
 * `[disk, config]` for each storage driver over a test file's own `testObjectStores`, for
 * `describe.each`; call `config` inside tests and hooks, where the stores exist.
 */
export function testStorageDisks(stores: {
  readonly root: string;
  readonly s3: TestS3;
}): [StorageConfig['disk'], () => StorageConfig][] {
  const config = (disk: StorageConfig['disk']): StorageConfig => ({
    disk,
    maxFileSize: 1_048_576,
    uploadQuotaBytes: 0,
    downloadUrlTtlSeconds: 60,
    local: { root: stores.root },
    s3: stores.s3.config,
  });
  return [
    ['local', () => config('local')],
    ['s3', () => config('s3')],
  ];
}
