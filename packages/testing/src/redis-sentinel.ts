import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from './redis-server.js';

/**
 * A Sentinel deployment of the test's own on loopback: one master, one replica and three
 * sentinels (quorum 2) that declare the master down after a second without an answer.
 */
export interface SentinelTopology {
  masterName: string;
  master: RedisServer;
  replica: RedisServer;
  sentinels: RedisServer[];
  /** The settings that point a node at this deployment. */
  env: { REDIS_SENTINELS: string; REDIS_SENTINEL_MASTER: string };
  /** The port of the server the sentinels name as master now (asks each until one answers). */
  masterPort(): Promise<number | undefined>;
  close(): Promise<void>;
}

const masterName = 'kelisim';

export async function startSentinelTopology(): Promise<SentinelTopology> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kelisim-sentinel-'));
  const master = await startRedisServer();
  const replica = await startRedisServer({
    args: ['--replicaof', '127.0.0.1', String(master.port)],
  });
  const sentinels: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    sentinels.push(
      await startRedisServer({
        args: ['--sentinel'],
        readyLine: '+monitor master',
        configFile: async (port) => {
          const file = path.join(dir, `sentinel-${port}.conf`);
          await writeFile(
            file,
            [
              `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
              `sentinel down-after-milliseconds ${masterName} 1000`,
              `sentinel failover-timeout ${masterName} 10000`,
              `sentinel parallel-syncs ${masterName} 1`,
              '',
            ].join('\n'),
          );
          return file;
        },
      }),
    );
  }
  const topology: SentinelTopology = {
    masterName,
    master,
    replica,
    sentinels,
    env: {
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_MASTER: masterName,
    },
    async masterPort() {
      for (const sentinel of sentinels) {
        const client = new Redis({
          port: sentinel.port,
          lazyConnect: true,
          retryStrategy: () => null,
        });
        client.on('error', () => {});
        try {
          await client.connect();
          const address = (await client.call('SENTINEL', 'get-master-addr-by-name', masterName)) as
            [string, string] | null;
          if (address) return Number(address[1]);
        } catch {
          // this sentinel is down: ask the next
        } finally {
          client.disconnect();
        }
      }
      return undefined;
    },
    async close() {
      await Promise.all([...sentinels, replica, master].map((server) => server.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  // The sentinels learn of the replica from the master's INFO and of each other through it.
  await waitForReplicaSeen(sentinels[0]!, 20_000);
  return topology;
}

async function waitForReplicaSeen(sentinel: RedisServer, timeoutMs: number): Promise<void> {
  const client = new Redis({ port: sentinel.port });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const replicas = (await client.call('SENTINEL', 'replicas', masterName)) as unknown[];
      const peers = (await client.call('SENTINEL', 'sentinels', masterName)) as unknown[];
      if (replicas.length > 0 && peers.length >= 2) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(
      `sentinel on ${sentinel.port} did not see the replica and its peers in ${timeoutMs} ms`,
    );
  } finally {
    client.disconnect();
  }
}
