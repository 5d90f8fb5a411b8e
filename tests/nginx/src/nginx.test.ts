import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@kelisim/api';
import { createAuthenticator } from '@kelisim/auth';
import { defaultStorageBaseUrl } from '@kelisim/config';
import type { MessageResource } from '@kelisim/contracts';
import { completeFile } from '@kelisim/domain';
import { silentLogger } from '@kelisim/logger';
import { createDomainContext, createSocketPublisher } from '@kelisim/redis';
import { createLocalStorage } from '@kelisim/storage';
import { createFileLinks } from '@kelisim/storage/file-links';
import {
  connectClient,
  connectPlainClient,
  plainUpgradeRefusal,
  createUsers,
  looseMembershipLimits,
  RecordingJobQueue,
  record,
  testJwtConfig,
  tokenFor,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { startCluster, type TestCluster } from '../../cluster/src/cluster.js';
import { findNginx, startNginx, type AccessLogEntry, type NginxProcess } from './nginx.js';

/** MAX_FILE_SIZE's default; nginx allows it plus 1 MiB of multipart framing (11m). */
const maxFileSize = 10_485_760;
const nginxBodyLimit = 11 * 1024 * 1024;

/** `pnpm test` installs nginx-light first (scripts/test-prerequisites.mjs); a missing one fails. */
function requireNginx(): string {
  const binary = findNginx();
  if (!binary) {
    throw new Error(
      'nginx is missing: install it with `apt-get install -y nginx-light` (pnpm test does so ' +
        'when it runs as root) or set NGINX_BIN',
    );
  }
  return binary;
}

/** The cluster harness's API has no file storage: this one has, and pushes through the same Redis. */
async function startApiWithFiles(cluster: TestCluster, storageDir: string) {
  const logger = silentLogger();
  const sockets = createSocketPublisher(
    cluster.redis,
    { host: '127.0.0.1', port: 6379, db: 0, keyPrefix: cluster.env.CHAT_REDIS_KEY_PREFIX! },
    { adapter: 'classic', socketIoKey: cluster.env.CHAT_SOCKET_IO_KEY! },
    logger,
  );
  const db = cluster.database.db;
  const links = createFileLinks({
    baseUrl: defaultStorageBaseUrl,
    ttlSeconds: 3_600,
    secret: testJwtConfig.secret,
  });
  const domain = createDomainContext({
    db,
    redis: cluster.redis,
    events: sockets.publisher,
    jobs: new RecordingJobQueue(),
    chat: {
      messageMaxLength: 10_000,
      sendRateLimit: { points: 10_000, windowSeconds: 60 },
      ...looseMembershipLimits,
    },
    keyPrefix: cluster.env.CHAT_REDIS_KEY_PREFIX!,
    fileLinks: links,
  });
  const app = createApp({
    logger,
    verifyToken: createAuthenticator(testJwtConfig),
    healthChecks: { database: () => db.$queryRaw`SELECT 1`, redis: () => cluster.redis.ping() },
    files: {
      storage: createLocalStorage(storageDir),
      maxFileSize,
      downloadUrlTtlSeconds: 60,
      links,
    },
    domain,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    domain,
    async close() {
      await sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('nginx (the shipped template) in front of the cluster', () => {
  let cluster: TestCluster;
  let api: Awaited<ReturnType<typeof startApiWithFiles>>;
  let nginx: NginxProcess;
  let scratch: string;
  let webRoot: string;
  let users: TestUser[];
  const sockets: { close(): void }[] = [];
  /** Every JWT sent through nginx, none of which may reach its access log. */
  const tokensSent = new Set<string>();

  const token = (user: TestUser) => {
    const jwt = tokenFor(user.id);
    tokensSent.add(jwt);
    return jwt;
  };

  async function rest(user: TestUser, method: string, url: string, body?: unknown) {
    const res = await fetch(`${nginx.url}${url}`, {
      method,
      headers: { Authorization: `Bearer ${token(user)}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function createGroup(owner: TestUser, members: TestUser[]): Promise<number> {
    const res = await rest(owner, 'POST', '/api/chats', {
      type: 'group',
      name: 'Behind nginx',
      participant_ids: members.map((member) => member.id),
    });
    expect(res.status).toBe(201);
    return (res.body.data as { id: number }).id;
  }

  /** A socket.io client through nginx: websocket only, or long-polling only with ?token=. */
  async function connect(user: TestUser, transport: 'websocket' | 'polling'): Promise<ChatClient> {
    let socket: ChatClient;
    if (transport === 'websocket') {
      socket = await connectClient(nginx.url, user.id, {
        token: token(user),
        transports: ['websocket'],
      });
    } else {
      // The Go service's clients put the token in the query string, on every polling request.
      socket = io(nginx.url, {
        query: { token: token(user) },
        transports: ['polling'],
        reconnection: false,
        forceNew: true,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
    }
    sockets.push(socket);
    return socket;
  }

  /**
   * The access log's entries under `prefix`, once `websockets` upgraded ones are in it (a
   * websocket's line is written when it closes).
   */
  async function entriesOnceClosed(prefix: string, websockets: number) {
    const entries = async () =>
      (await nginx.accessLog()).filter((entry) => entry.uri.startsWith(prefix));
    await expect
      .poll(async () => (await entries()).filter((e) => e.status === 101).length)
      .toBe(websockets);
    return entries();
  }

  beforeAll(async () => {
    const nginxBinary = requireNginx();
    cluster = await startCluster('nginx', 2);
    scratch = await mkdtemp(path.join(tmpdir(), 'kelisim-nginx-test-'));
    // nginx's workers run unprivileged when the tests run as root: they must read the web root.
    await chmod(scratch, 0o755);
    webRoot = path.join(scratch, 'web');
    api = await startApiWithFiles(cluster, path.join(scratch, 'storage'));
    nginx = await startNginx({
      binary: nginxBinary,
      apiServers: [api.address],
      realtimeServers: cluster.gateways.map((gateway) => `127.0.0.1:${gateway.port}`),
      webRoot,
    });
    users = await createUsers(cluster.database.db, 3, 'Proxied');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await nginx?.stop();
    await api?.close();
    await cluster?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('a websocket client and a long-polling client on different nodes get every message, sent by socket or REST', async () => {
    const [ada, bob, cleo] = users as [TestUser, TestUser, TestUser];
    const chatId = await createGroup(ada, [bob, cleo]);

    // Two websockets: the least-connections upstream puts them on different nodes. The polling
    // client is pinned to one node by its address, so it shares a node with one of them only.
    const wsAda = await connect(ada, 'websocket');
    const wsCleo = await connect(cleo, 'websocket');
    const pollBob = await connect(bob, 'polling');
    expect(wsAda.io.engine.transport.name).toBe('websocket');
    expect(wsCleo.io.engine.transport.name).toBe('websocket');
    expect(pollBob.io.engine.transport.name).toBe('polling');
    const clients = [wsAda, pollBob, wsCleo];
    const received = clients.map((socket) => record(socket, 'new_message'));

    const sent: MessageResource[] = [];
    for (const [i, socket] of [wsAda, pollBob].entries()) {
      const ack = await socket.emitWithAck('send_message', {
        chat_id: chatId,
        content: `socket ${i}`,
        temp_id: `socket-${i}`,
      });
      expect(ack.ok).toBe(true);
      if (ack.ok) sent.push(ack.message);
    }
    for (const [i, user] of [bob, ada].entries()) {
      const res = await rest(user, 'POST', `/api/chats/${chatId}/messages`, {
        content: `rest ${i}`,
        temp_id: `rest-${i}`,
      });
      expect(res.status).toBe(201);
      sent.push(res.body.data as MessageResource);
    }

    const expectedIds = sent.map((message) => message.id);
    for (const list of received) {
      await expect.poll(() => list.length, { timeout: 10_000 }).toBe(expectedIds.length);
      expect(list.map((event) => event.message.id)).toEqual(expectedIds);
    }
    expect(pollBob.io.engine.transport.name).toBe('polling');

    for (const socket of clients) socket.close();
    const entries = await entriesOnceClosed('/socket.io/', 2);
    const websockets = entries.filter((entry) => entry.uri.includes('transport=websocket'));
    const polls = entries.filter((entry) => entry.uri.includes('transport=polling'));
    const gatewayAddresses = cluster.gateways.map((gateway) => `127.0.0.1:${gateway.port}`);

    // Each request reached one node at the first try; the two websockets, two different nodes.
    for (const entry of entries) expect(gatewayAddresses).toContain(entry.upstream);
    expect(new Set(websockets.map((entry) => entry.upstream)).size).toBe(2);
    // Every request of the polling session (handshake, polls, sends) went to the same node.
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(new Set(polls.map((entry) => entry.upstream)).size).toBe(1);
    for (const poll of polls) expect(poll.uri).toContain('token=[redacted]');
  });

  it("serves the Go clients' plain WebSocket at /ws on every node, token kept out of the log", async () => {
    const [ada, bob] = users as [TestUser, TestUser];
    const chatId = await createGroup(ada, [bob]);
    // Least connections: the two land on different nodes.
    const plainAda = await connectPlainClient(nginx.url, token(ada));
    const plainBob = await connectPlainClient(nginx.url, token(bob));
    sockets.push(plainAda, plainBob);
    plainAda.send({
      type: 'send_message',
      chat_id: chatId,
      content: 'hello from a Go client',
      message_type: 'text',
      temp_id: 'go-1',
    });
    for (const client of [plainAda, plainBob]) {
      expect(await client.frame('new_message')).toMatchObject({
        message: { chat_id: chatId, temp_id: 'go-1', sender: { id: ada.id } },
      });
    }
    expect(await plainUpgradeRefusal(nginx.url, 'not-a-jwt')).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated' },
    });
    plainAda.close();
    plainBob.close();
    const entries = await entriesOnceClosed('/ws?', 2);
    expect(new Set(entries.filter((e) => e.status === 101).map((e) => e.upstream)).size).toBe(2);
    for (const entry of entries) expect(entry.uri).toBe('/ws?token=[redacted]');
  });

  it('passes uploads up to MAX_FILE_SIZE to the API and answers larger bodies with 413 itself', async () => {
    const [ada, bob] = users as [TestUser, TestUser];
    const chatId = await createGroup(ada, [bob]);
    const upload = async (size: number) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(size).fill(0x61)]), 'upload.txt');
      const res = await fetch(`${nginx.url}/api/chats/${chatId}/files`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token(ada)}` },
        body: form,
      });
      const type = res.headers.get('content-type') ?? '';
      return { status: res.status, type, body: (await res.json()) as Record<string, unknown> };
    };

    const atLimit = await upload(maxFileSize);
    expect(atLimit.status).toBe(202);
    expect(atLimit.body.data).toMatchObject({ size: maxFileSize });

    // Over MAX_FILE_SIZE but within nginx's bound: the API itself refuses it.
    const overFile = await upload(maxFileSize + 1);
    expect(overFile.status).toBe(413);
    expect(overFile.body.code).toBe('payload_too_large');

    // Over nginx's bound: refused before any node sees a byte, in the API's JSON shape.
    const overBody = await upload(nginxBodyLimit + 1);
    expect(overBody.status).toBe(413);
    expect(overBody.type).toContain('application/json');
    expect(overBody.body).toMatchObject({ code: 'payload_too_large' });

    // nginx logs a request once it is done with it, which for the refused body can be after the
    // client has the 413.
    const uploadsLogged = async () =>
      (await nginx.accessLog()).filter((entry) => entry.uri.endsWith('/files'));
    await expect.poll(async () => (await uploadsLogged()).length).toBe(3);
    const uploads = await uploadsLogged();
    expect(uploads.map((entry) => [entry.status, entry.upstream !== ''])).toEqual([
      [202, true],
      [413, true],
      [413, false],
    ]);
  });

  it('serves signed file links at /storage/ without a token; a tampered one is 403', async () => {
    const [ada, bob] = users as [TestUser, TestUser];
    const chatId = await createGroup(ada, [bob]);
    const bytes = Buffer.from("the seed's file URL, signed");
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'notes.txt');
    const uploaded = await fetch(`${nginx.url}/api/chats/${chatId}/files`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token(ada)}` },
      body: form,
    });
    expect(uploaded.status).toBe(202);
    const { id } = ((await uploaded.json()) as { data: { id: number } }).data;
    await completeFile(api.domain, id, {
      status: 'ready',
      mimeType: 'text/plain',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const listed = await rest(bob, 'GET', `/api/chats/${chatId}/files`);
    const file = (listed.body.data as { id: number; url: string }[]).find((f) => f.id === id)!;
    const link = new URL(file.url);
    expect(link.pathname).toBe(`/storage/chat-files/${id}/notes.txt`);

    const download = await fetch(`${nginx.url}${link.pathname}${link.search}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    expect(download.headers.get('content-disposition')).toContain('attachment');

    const tampered = await fetch(
      `${nginx.url}${link.pathname.replace('notes', 'other')}${link.search}`,
    );
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toMatchObject({ code: 'forbidden' });

    const entries = (await nginx.accessLog()).filter((e) => e.uri.startsWith('/storage/'));
    expect(entries.map((e) => e.status)).toEqual([200, 403]);
    for (const entry of entries) {
      expect(entry.upstream).toBe(api.address);
      expect(entry.uri).toMatch(/signature=\[redacted\]/);
    }
  });

  it('routes /health to the API and everything else to the web client, or its placeholder', async () => {
    const ready = await fetch(`${nginx.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });

    const placeholder = await fetch(`${nginx.url}/`);
    expect(placeholder.status).toBe(200);
    expect(placeholder.headers.get('content-type')).toContain('text/html');
    expect(await placeholder.text()).toContain('Kelisim Chat is running');

    await mkdir(webRoot, { recursive: true });
    const build = '<!doctype html><title>the built web client</title>';
    await writeFile(path.join(webRoot, 'index.html'), build);
    await writeFile(path.join(webRoot, 'app.js'), 'console.log("app");');
    const deepLink = await fetch(`${nginx.url}/chats/42`);
    expect(await deepLink.text()).toBe(build);
    const asset = await fetch(`${nginx.url}/app.js`);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');

    // Not an API route: /metrics of the nodes is never published through nginx.
    const metrics = await fetch(`${nginx.url}/metrics`);
    expect(await metrics.text()).toBe(build);
  });

  it('keeps tokens out of the access log: query parameters redacted, Authorization never logged', async () => {
    const secret = 'abc.def.ghi';
    const handshake = await fetch(
      `${nginx.url}/socket.io/?EIO=4&transport=polling&token=${secret}`,
    );
    expect(handshake.status).toBe(200);
    await fetch(`${nginx.url}/health/live?access_token=one.two.three&token=four.five.six&x=1`);
    await fetch(`${nginx.url}/health/live?%74oken=seven.eight.nine`);
    await fetch(`${nginx.url}/health/live?X-Amz-Signature=deadbeef&x=1`, {
      headers: { Referer: 'https://app.example/chat?token=ref.erer.token&tab=2' },
    });

    const text = await nginx.accessLogText();
    const entries = await nginx.accessLog();
    for (const leaked of [
      secret,
      'one.two.three',
      'four.five.six',
      'seven.eight.nine',
      'deadbeef',
      'ref.erer.token',
      ...tokensSent,
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(tokensSent.size).toBeGreaterThan(5);
    const uris = entries.map((entry: AccessLogEntry) => entry.uri);
    expect(uris).toContain('/socket.io/?EIO=4&transport=polling&token=[redacted]');
    expect(uris).toContain('/health/live?[redacted]');
    expect(uris).toContain('/health/live?X-Amz-Signature=[redacted]&x=1');
    expect(entries.map((entry) => entry.referer)).toContain(
      'https://app.example/chat?token=[redacted]&tab=2',
    );
    expect(text.toLowerCase()).not.toContain('bearer');
  });
});
