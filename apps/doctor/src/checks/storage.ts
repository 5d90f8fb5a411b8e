import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FileLinksConfig, StorageConfig } from '@kelisim/config';
import { createFileLinks } from '@kelisim/storage/file-links';
import { fail, pass, skip, type CheckResult } from '../report.js';
import { firstLine } from './database.js';

/** No file has this id: a link to it that a node accepts is answered 404. */
const probeFileId = 999_999_999_999;

/**
 * STORAGE_PATH (local disk): the nodes and the worker write uploads there. The check writes and
 * removes a small file, creating the directory as the nodes would.
 */
export async function checkStoragePath(config: StorageConfig): Promise<CheckResult> {
  const name = 'Storage';
  if (config.disk === 's3') {
    return pass(name, `S3 bucket ${config.s3.bucket} (FILESYSTEM_DISK=s3; STORAGE_PATH unused)`);
  }
  const root = resolve(config.local.root);
  const probe = join(root, `.doctor-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(root, { recursive: true });
    await writeFile(probe, 'doctor');
    await rm(probe);
    return pass(name, `STORAGE_PATH ${root} is writable`);
  } catch (error) {
    return fail(
      name,
      `cannot write to STORAGE_PATH ${root}: ${firstLine(error)}`,
      'create it and give the user the nodes and the worker run as write access, or set STORAGE_PATH',
    );
  }
}

/**
 * STORAGE_BASE_URL: the signed file links (`url`, `thumbnail_url`) point there, so it must reach
 * a node that signs with the same key. A link to a file that does not exist, signed here, proves
 * both when the node answers it 404 (a node with another key answers 403).
 */
export async function checkFileLinks(config: FileLinksConfig | undefined): Promise<CheckResult> {
  const name = 'File links';
  if (!config) return skip(name, 'no CHAT_URL_SIGNING_KEY nor JWT_SECRET: files carry no links');
  const base = config.baseUrl;
  const link = createFileLinks(config).file({ id: probeFileId, name: 'doctor-probe' });
  let response: Response;
  try {
    response = await fetch(link, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    return fail(
      name,
      `nothing answers at STORAGE_BASE_URL ${base}: ${firstLine(error)}`,
      'set STORAGE_BASE_URL to the address clients reach the nodes at (with nginx: http(s)://<host>/storage/chat-files)',
    );
  }
  const body = (await response.json().catch(() => undefined)) as { code?: unknown } | undefined;
  if (response.status === 404 && body?.code === 'not_found') {
    return pass(name, `STORAGE_BASE_URL ${base} reaches a node that accepts links signed here`);
  }
  if (response.status === 403 && body?.code === 'forbidden') {
    return fail(
      name,
      `the node at STORAGE_BASE_URL ${base} refuses links signed with this installation's key`,
      'give every node and this command the same CHAT_URL_SIGNING_KEY (or JWT_SECRET)',
    );
  }
  return fail(
    name,
    `STORAGE_BASE_URL ${base} answered ${response.status}, not as a Kelisim node would`,
    'route the path of STORAGE_BASE_URL to the API nodes (nginx/templates: location /storage/)',
  );
}
