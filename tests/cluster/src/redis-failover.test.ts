import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, redisEnv } from '@kelisim/config';
import type { FileResource, ServerEvents } from '@kelisim/contracts';
import { createRedis, type RedisClient } from '@kelisim/redis';
import {
  clusterEnv,
  connectClient,
  createTestDatabase,
  createUsers,
  record,
  sleep,
  startRedisClusterTopology,
  startSentinelTopology,
  startServerNode,
  testRedisConfig,
  tokenFor,
  type ChatClient,
  type GatewayProcess,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';
import {
  connectEcho,
  laravelBroadcast,
  recordEcho,
  untilSubscribed,
  type EchoClient,
} from './echo-helpers.js';
import {
  Holder,
  Sender,
  auth,
  createGroup,
  expectAllAcknowledged,
  expectEveryoneHoldsExactly,
  expectLiveDeliveryResumes,
  readiness,
  stillRunning,
} from './stream-check.js';

const prefix = 'laravel_database_';
const presenceTtlSeconds = 3;
const run = randomBytes(4).toString('hex');

/** A Redis deployment of real processes the test starts, and the master it can fail. */
interface Topology {
  env: Record<string, string>;
  /** SIGKILLs the master holding the job queues' keys; resolves with its port. */
  killMaster(): Promise<number>;
  /** The port of the master holding the job queues' keys now, if one answers. */
  masterPort(): Promise<number | undefined>;
  close(): Promise<void>;
}

const topologies: Record<'Sentinel' | 'Cluster', (keyPrefix: string) => Promise<Topology>> = {
  // One master, one replica, three sentinels.
  async Sentinel() {
    const sentinel = await startSentinelTopology();
    return {
      env: sentinel.env,
      async killMaster() {
        const port = sentinel.master.port;
        await sentinel.master.kill();
        return port;
      },
      masterPort: () => sentinel.masterPort(),
      close: () => sentinel.close(),
    };
  },
  // Three masters with a replica each; the queues' hash tag `{<prefix>bull}` picks the master.
  async Cluster(keyPrefix) {
    const cluster = await startRedisClusterTopology();
    const queuesKey = `${keyPrefix}bull`;
    return {
      env: cluster.env,
      killMaster: () => cluster.killMasterOf(queuesKey),
      masterPort: () => cluster.masterPortOf(queuesKey).catch(() => undefined),
      close: () => cluster.close(),
    };
  },
};

/** Every node's readiness, every 250 ms until stopped. */
function sampleReadiness(nodes: GatewayProcess[]) {
  const samples: (number | 'refused')[] = [];
  let sampling = true;
  const done = (async () => {
    while (sampling) {
      samples.push(...(await Promise.all(nodes.map(readiness))));
      await sleep(250);
    }
  })();
  return {
    async stop() {
      sampling = false;
      await done;
      return samples;
    },
  };
}

describe.each(Object.keys(topologies) as (keyof typeof topologies)[])('Redis %s', (kind) => {
  // Two all-in-one nodes (REST, sockets, worker) on the topology.
  let topology: Topology;
  let env: Record<string, string>;
  let database: TestDatabase;
  let storageDir: string;
  let nodes: GatewayProcess[] = [];
  let users: TestUser[];
  /** Laravel's side: publishes broadcasts to whichever server the sentinels name as master. */
  let laravel: RedisClient;
  const closeables: { close(): void }[] = [];

  beforeAll(async () => {
    const redis = testRedisConfig();
    topology = await topologies[kind](redis.keyPrefix);
    database = await createTestDatabase(`failover_${kind.toLowerCase()}`);
    storageDir = await mkdtemp(path.join(tmpdir(), 'kelisim-failover-files-'));
    env = {
      ...clusterEnv({ database: database.config, redis }),
      ...topology.env,
      REDIS_HOST: 'this-topology-ignores-this.invalid',
      REDIS_PREFIX: prefix,
      STORAGE_PATH: storageDir,
      CHAT_PRESENCE_TTL: String(presenceTtlSeconds),
      CHAT_SEND_RATE_LIMIT: '10000',
    };
    nodes = await Promise.all([startServerNode(env), startServerNode(env)]);
    users = await createUsers(database.db, 6, 'Sentinel');
    laravel = createRedis(parseEnv(redisEnv, env));
    laravel.on('error', () => {});
  }, 90_000);
  afterAll(async () => {
    for (const closeable of closeables) closeable.close();
    for (const node of nodes) node.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    laravel?.disconnect();
    await database?.drop();
    await topology?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  function later<T extends { close(): void }>(closeable: T): T {
    closeables.push(closeable);
    return closeable;
  }

  async function echoOn(node: GatewayProcess, user: TestUser): Promise<EchoClient> {
    const echo = await connectEcho(node.url, tokenFor(user.id));
    later({ close: () => echo.disconnect() });
    return echo;
  }

  /** Who of `user`'s chats is online, as a client connecting to `node` is told. */
  async function presenceSnapshot(node: GatewayProcess, user: TestUser) {
    const socket: ChatClient = io(node.url, {
      auth: { token: tokenFor(user.id) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    try {
      const snapshot = new Promise<ServerEvents['presence_snapshot']>((resolve, reject) => {
        socket.once('presence_snapshot', resolve);
        socket.once('connect_error', reject);
        setTimeout(() => reject(new Error('no presence_snapshot')), 10_000);
      });
      socket.connect();
      return await snapshot;
    } finally {
      socket.close();
    }
  }

  it('delivers across nodes exactly once, shares presence and relays Laravel broadcasts', async () => {
    const [a, b] = users as [TestUser, TestUser];
    const chatId = await createGroup(nodes[0]!.url, a, [b]);
    const sa = later(await connectClient(nodes[0]!.url, a.id));
    const presenceToA = record(sa, 'presence');
    const sb = later(await connectClient(nodes[1]!.url, b.id));
    const toB = record(sb, 'new_message');

    const ack = await sa.emitWithAck('send_message', { chat_id: chatId, content: 'via sentinel' });
    expect(ack.ok).toBe(true);
    await expect.poll(() => toB.map((e) => e.message.content)).toEqual(['via sentinel']);
    await expect
      .poll(() => presenceToA.filter((e) => e.user_id === b.id).map((e) => e.status))
      .toEqual(['online']);

    const name = `orders.${run}`;
    const channel = (await echoOn(nodes[1]!, b)).channel(name);
    await untilSubscribed(laravel, prefix, channel, name);
    const shipped = recordEcho(channel, '.shipped');
    await laravel.publish(`${prefix}${name}`, laravelBroadcast('shipped', { order: 1 }));
    await expect.poll(() => shipped).toHaveLength(1);
    await sleep(300);
    expect(toB).toHaveLength(1);
    expect(shipped).toEqual([{ order: 1, socket: null }]);
  });

  it('fails over mid-stream: nothing acknowledged is lost, live delivery, broadcasts, uploads and presence come back', async () => {
    const [sender, onNode0, onNode1] = users.slice(2) as [TestUser, TestUser, TestUser];
    const chatId = await createGroup(nodes[0]!.url, sender, [onNode0, onNode1]);
    // Uploads go to a chat of their own: the file's message stays out of the streamed chat.
    const filesChatId = await createGroup(nodes[1]!.url, onNode1, [sender]);
    const holders = [new Holder(onNode0, chatId), new Holder(onNode1, chatId)];
    for (const [node, holder] of holders.entries()) {
      later(holder);
      await holder.connect(nodes[node]!.url);
    }
    const name = `deliveries.${run}`;
    const channel = (await echoOn(nodes[1]!, onNode1)).channel(name);
    await untilSubscribed(laravel, prefix, channel, name);
    const broadcasts = recordEcho(channel, '.delivered');
    const stream = new Sender(
      nodes.map((node) => node.url),
      sender,
      chatId,
      10,
    );

    await stream.stream(0, 30, 5);
    await stream.settled();
    await expectEveryoneHoldsExactly(holders, stream, { livePushesComplete: holders });

    const oldMaster = await topology.killMaster();
    const readinessDuringFailover = sampleReadiness(nodes);
    // An upload and a stream of sends, spread over both nodes, while Redis fails over.
    const uploaded = uploadWithRetries(nodes[1]!, onNode1, filesChatId, 'during-failover.txt');
    await stream.stream(30, 80, 50);
    await expect
      .poll(
        async () => {
          const port = await topology.masterPort();
          return port !== undefined && port !== oldMaster;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    const promotedAt = Date.now();
    const samples = await readinessDuringFailover.stop();
    expect(samples.length).toBeGreaterThan(0);
    // With one master of three down the others serve: no node leaves the load balancer. With
    // Sentinel's only master down, nothing serves until the promotion: 503 is the truth then.
    if (kind === 'Cluster') expect(samples.filter((status) => status !== 200)).toEqual([]);
    await stream.settled();
    expect(stream.failures).toEqual([]);

    const { next, resumedAt } = await expectLiveDeliveryResumes(stream, holders, 80, {
      timeoutMs: 20_000,
      tail: 20,
      after: 'promotion',
    });
    expect(resumedAt - promotedAt).toBeLessThanOrEqual(15_000);

    // Laravel's broadcasts reach the Echo subscriber again, once each.
    await expect
      .poll(
        async () => {
          await laravel.publish(`${prefix}${name}`, laravelBroadcast('delivered', { n: 0 }));
          return broadcasts.length;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBeGreaterThan(0);
    await laravel.publish(`${prefix}${name}`, laravelBroadcast('delivered', { n: 1 }));
    const afterFailover = () => broadcasts.filter((data) => (data as { n: number }).n === 1);
    await expect.poll(afterFailover).toHaveLength(1);
    await sleep(300);
    expect(afterFailover()).toHaveLength(1);

    // The upload made during the failover is processed by a worker on the new master.
    const file = await uploaded;
    await expect
      .poll(() => fileStatus(nodes[1]!, onNode1, filesChatId, file.id), { timeout: 30_000 })
      .toBe('ready');

    // Presence converges within its TTL: a new connection sees the user on the other node.
    await expect
      .poll(
        async () =>
          (await presenceSnapshot(nodes[0]!, onNode0)).users.map((u) => [u.user_id, u.status]),
        { timeout: (presenceTtlSeconds + 5) * 1_000, interval: 500 },
      )
      .toContainEqual([onNode1.id, 'online']);

    for (const node of nodes) expect(await stillRunning(node)).toBe('running');
    // Both report ready again with a master serving (the failover ended above).
    for (const node of nodes) {
      await expect.poll(() => readiness(node), { timeout: 15_000, interval: 250 }).toBe(200);
    }
    for (const holder of holders) await holder.sync();
    await expectAllAcknowledged(database.db, stream, next);
    await expectEveryoneHoldsExactly(holders, stream);
  });

  it('keeps every key on the topology, none on the default local Redis', async () => {
    const pattern = `*${env.CHAT_REDIS_KEY_PREFIX!}*`;
    const local = createRedis(testRedisConfig());
    try {
      expect(await local.keys(pattern)).toEqual([]);
    } finally {
      local.disconnect();
    }
    const masters = 'nodes' in laravel ? laravel.nodes('master') : [laravel];
    const keys = (await Promise.all(masters.map((master) => master.keys(pattern)))).flat();
    expect(keys.length).toBeGreaterThan(0);
  });
});

/** Uploads a file as a client does: a refused or failed attempt is tried again. */
async function uploadWithRetries(
  node: GatewayProcess,
  user: TestUser,
  chatId: number,
  filename: string,
): Promise<FileResource> {
  const failures: string[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const form = new FormData();
    form.append('file', new Blob([`uploaded while failing over ${run}`]), filename);
    try {
      const res = await fetch(`${node.url}/api/chats/${chatId}/files`, {
        method: 'POST',
        headers: auth(user),
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { data: FileResource };
      if (res.status === 202) return body.data;
      failures.push(`${res.status} ${JSON.stringify(body)}`);
    } catch (error) {
      failures.push(String(error));
    }
    await sleep(1_000);
  }
  throw new Error(`upload failed: ${failures.join('; ')}`);
}

async function fileStatus(node: GatewayProcess, user: TestUser, chatId: number, id: number) {
  const res = await fetch(`${node.url}/api/chats/${chatId}/files?limit=100`, {
    headers: auth(user),
  });
  const files = ((await res.json()) as { data: FileResource[] }).data;
  return files.find((file) => file.id === id)?.status;
}
