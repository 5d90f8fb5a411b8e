import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisConfig } from '@kelisim/config';
import { testRedisConfig } from './redis.js';
import { freePort, startRedisServer, type RedisServer } from './redis-server.js';

/**
 * A Redis Cluster of the test's own on loopback: three masters with one replica each, created by
 * `redis-cli --cluster create`; a node unanswering for a second is failed over.
 */
export interface ClusterTopology {
  servers: RedisServer[];
  /** The settings that point a node at this cluster. */
  env: { REDIS_CLUSTER_NODES: string };
  /** The port of the master serving `key`'s slot now. */
  masterPortOf(key: string): Promise<number>;
  /** SIGKILLs the master serving `key`'s slot; resolves with its port once it is gone. */
  killMasterOf(key: string): Promise<number>;
  close(): Promise<void>;
}

const run = promisify(execFile);

export async function startRedisClusterTopology(): Promise<ClusterTopology> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kelisim-cluster-'));
  const servers: RedisServer[] = [];
  for (let i = 0; i < 6; i++) {
    // The cluster bus gets a port of its own: the default, port + 10000, may be taken or invalid.
    const busPort = await freePort();
    servers.push(
      await startRedisServer({
        args: [
          ...['--cluster-enabled', 'yes', '--cluster-port', String(busPort)],
          ...['--cluster-config-file', path.join(dir, `nodes-${i}.conf`)],
          ...['--cluster-node-timeout', '1000', '--dir', dir],
          // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
          ...['--repl-diskless-sync-delay', '0'],
        ],
      }),
    );
  }
  const nodes = servers.map(({ port }) => `127.0.0.1:${port}`);
  try {
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 60_000 },
    );
  } catch (error) {
    await Promise.all(servers.map((server) => server.kill()));
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`redis-cli --cluster create failed:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: error,
    });
  }
  await waitForClusterOk(servers, 30_000);

  /** Asks the first node that answers which master serves `key`'s slot. */
  const masterPortOf = async (key: string): Promise<number> => {
    for (const server of servers) {
      const node = new Redis({ port: server.port, lazyConnect: true, retryStrategy: () => null });
      node.on('error', () => {});
      try {
        await node.connect();
        const slot = Number(await node.cluster('KEYSLOT', key));
        const slots = await node.cluster('SLOTS');
        const owner = slots.find(([from, to]) => slot >= from && slot <= to);
        if (owner) return owner[2]![1];
      } catch {
        // this node is down: ask the next
      } finally {
        node.disconnect();
      }
    }
    throw new Error(`no node names the master of ${key}'s slot`);
  };
  return {
    servers,
    env: { REDIS_CLUSTER_NODES: nodes.join(',') },
    masterPortOf,
    async killMasterOf(key) {
      const port = await masterPortOf(key);
      await servers.find((server) => server.port === port)!.kill();
      return port;
    },
    async close() {
      await Promise.all(servers.map((server) => server.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Until every node says cluster_state:ok (the creation returns before gossip settles) and every
 * replica has synced with its master: a replica that never synced is never promoted.
 */
async function waitForClusterOk(servers: RedisServer[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(
      servers.map(async ({ port }) => {
        const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...args]);
        const { stdout: cluster } = await cli('CLUSTER', 'INFO');
        const { stdout: replication } = await cli('INFO', 'replication');
        const synced = /role:master/.test(replication) || /master_link_status:up/.test(replication);
        return /cluster_state:ok/.test(cluster) && synced;
      }),
    );
    if (states.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error(`the cluster was not ok after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const redisTopologies = ['one Redis server', 'a Redis Cluster'] as const;
export type RedisTopology = (typeof redisTopologies)[number];

/**
 * The Redis of a describe block: the shared test server, or three masters with a replica each of
 * its own (started before the block, stopped after it).
 */
export function useRedisTopology(kind: RedisTopology): () => RedisConfig {
  let cluster: ClusterTopology | undefined;
  beforeAll(async () => {
    if (kind === 'a Redis Cluster') cluster = await startRedisClusterTopology();
  }, 60_000);
  afterAll(() => cluster?.close());
  return () =>
    cluster
      ? {
          ...testRedisConfig(),
          cluster: { nodes: cluster.servers.map(({ port }) => ({ host: '127.0.0.1', port })) },
        }
      : testRedisConfig();
}
