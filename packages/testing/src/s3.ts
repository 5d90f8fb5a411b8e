import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll } from 'vitest';
import type { StorageConfig } from '@kelisim/config';

export interface TestS3 {
  config: StorageConfig['s3'];
  stop(): Promise<void>;
}

/** A real S3-protocol server (s3rver) on a free loopback port, with one empty bucket. */
export async function startTestS3(bucket = 'chat-test'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'kelisim-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  return {
    config: {
      bucket,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A temporary directory (for local storage) and an s3rver, both of the test file's own and living
 * as long as it: read them inside tests and hooks. Call at the top level.
 */
export function testObjectStores(label: string): { readonly root: string; readonly s3: TestS3 } {
  let root: string | undefined;
  let s3: TestS3 | undefined;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), `kelisim-${label}-`));
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });
  return {
    get root() {
      if (!root) throw new Error('testObjectStores: read the root inside a test or hook');
      return root;
    },
    get s3() {
      if (!s3) throw new Error('testObjectStores: read the s3 server inside a test or hook');
      return s3;
    },
  };
}
