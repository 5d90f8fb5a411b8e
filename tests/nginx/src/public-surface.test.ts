import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Storage } from '@kelisim/storage';
import { findNginx, freePort, startNginx, type NginxProcess } from './nginx.js';

/** Stands in for MinIO behind the s3.localhost server: answers every request, records it. */
interface Received {
  method: string;
  url: string;
  host: string;
  authorization: string | undefined;
}

let nginx: NginxProcess;
let upstream: Server;
let scratch: string;
const received: Received[] = [];
const bucket = 'chat-files';

beforeAll(async () => {
  const binary = findNginx();
  if (!binary)
    throw new Error('nginx is missing: apt-get install -y nginx-light, or set NGINX_BIN');
  upstream = createServer((req, res) => {
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host ?? '',
      authorization: req.headers.authorization,
    });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end('object bytes');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  scratch = await mkdtemp(path.join(tmpdir(), 'kelisim-nginx-surface-'));
  await chmod(scratch, 0o755);
  await writeFile(path.join(scratch, 'index.html'), '<!doctype html><div id="root"></div>');
  await chmod(path.join(scratch, 'index.html'), 0o644);
  nginx = await startNginx({
    binary,
    apiServers: [`127.0.0.1:${await freePort()}`],
    realtimeServers: [`127.0.0.1:${await freePort()}`],
    s3Server: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    connectSrc: 'http://s3.localhost:8080',
    webRoot: scratch,
  });
});
afterAll(async () => {
  await nginx?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

/** A request to the s3.localhost server of the nginx under test (Host decides the server). */
function s3Request(
  method: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: nginx.port,
        method,
        path: pathAndQuery,
        headers: { Host: `s3.localhost:${nginx.port}`, ...headers },
      },
      (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(method === 'PUT' ? 'overwritten' : undefined);
  });
}

async function presignedPath(key: string): Promise<string> {
  const storage = createS3Storage({
    bucket,
    region: 'us-east-1',
    endpoint: 'http://minio:9000',
    publicEndpoint: `http://s3.localhost:${nginx.port}`,
    forcePathStyle: true,
    accessKeyId: 'kelisim',
    secretAccessKey: 'operator-chosen-password',
  });
  const url = new URL(
    (await storage.downloadUrl(key, {
      filename: 'report.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 300,
    }))!,
  );
  expect(url.origin).toBe(`http://s3.localhost:${nginx.port}`);
  return `${url.pathname}${url.search}`;
}

describe('the s3.localhost server (compose MinIO) passes presigned GETs of an object only', () => {
  it('passes a presigned GET and HEAD, Host and query untouched', async () => {
    const target = await presignedPath('files/2026/12/abc.pdf');
    const before = received.length;
    const get = await s3Request('GET', target);
    expect(get).toEqual({ status: 200, body: 'object bytes' });
    expect((await s3Request('HEAD', target)).status).toBe(200);
    expect(received.slice(before)).toEqual([
      {
        method: 'GET',
        url: target,
        host: `s3.localhost:${nginx.port}`,
        authorization: undefined,
      },
      expect.objectContaining({ method: 'HEAD', url: target }),
    ]);
  });

  it('refuses with 403, before MinIO sees it, anything else: other methods, header-signed requests, listings, sub-resources, the admin API', async () => {
    const presigned = await presignedPath('files/2026/12/abc.pdf');
    const query = presigned.slice(presigned.indexOf('?'));
    const signedByHeader = {
      Authorization:
        'AWS4-HMAC-SHA256 Credential=kelisim/20261204/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
    };
    const refused: [string, string, Record<string, string>?][] = [
      ['PUT', presigned],
      ['DELETE', presigned],
      ['POST', `/${bucket}/files/x.pdf?uploads&X-Amz-Signature=00`],
      ['GET', `/${bucket}/files/2026/12/abc.pdf`, signedByHeader],
      ['GET', `/${bucket}/files/2026/12/abc.pdf?x-id=GetObject`],
      ['GET', '/', signedByHeader],
      ['GET', `/${bucket}`, signedByHeader],
      ['GET', `/${bucket}/`, signedByHeader],
      ['GET', `/${bucket}/${query}`],
      ['GET', `/${bucket}?list-type=2&X-Amz-Signature=00`],
      ['GET', `/${bucket}/files/abc.pdf${query}&acl`],
      ['GET', `/${bucket}/files/abc.pdf${query}&tagging=`],
      ['GET', `/minio/admin/v3/info${query}`],
      ['GET', `/minio/health/live${query}`],
    ];
    const before = received.length;
    for (const [method, target, headers] of refused) {
      const res = await s3Request(method, target, headers);
      expect(res.status, `${method} ${target}`).toBe(403);
    }
    expect(received.slice(before)).toEqual([]);
  });
});

describe('the web client behind nginx', () => {
  it('is served with a Content-Security-Policy: no inline script, framed by its own origin only', async () => {
    for (const route of ['/', '/chats/12']) {
      const res = await fetch(`${nginx.url}${route}`, { headers: { Accept: 'text/html' } });
      expect(res.status, route).toBe(200);
      const policy = res.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("frame-ancestors 'self'");
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("connect-src 'self' http://s3.localhost:8080;");
      expect(policy).not.toContain('unsafe-inline');
    }
  });
});
