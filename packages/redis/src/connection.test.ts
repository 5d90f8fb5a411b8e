import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartupError } from '@kelisim/config';
import { startRedisClusterTopology, testRedisConfig } from '@kelisim/testing';
import { assertRedisReachable, createRedis, pingRedis } from './connection.js';

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a node that cannot reach Redis at start', () => {
  it('names the address and the settings to fix, for one server, sentinels and a cluster', async () => {
    const port = await closedPort();
    const single = assertRedisReachable({ ...testRedisConfig(), port });
    await expect(single).rejects.toThrow(StartupError);
    await expect(single).rejects.toThrow(
      `Cannot reach Redis at 127.0.0.1:${port} (REDIS_HOST/REDIS_PORT or REDIS_URL)`,
    );

    const sentinel = {
      ...testRedisConfig(),
      sentinel: { nodes: [{ host: '127.0.0.1', port }], masterName: 'mymaster' },
    };
    await expect(assertRedisReachable(sentinel)).rejects.toThrow(
      `No sentinel answers for the master "mymaster" of sentinels 127.0.0.1:${port} (REDIS_SENTINELS/REDIS_SENTINEL_MASTER)`,
    );

    const cluster = { ...testRedisConfig(), cluster: { nodes: [{ host: '127.0.0.1', port }] } };
    await expect(assertRedisReachable(cluster)).rejects.toThrow(
      `No node of the Redis Cluster of 127.0.0.1:${port} answers as a cluster (REDIS_CLUSTER_NODES)`,
    );
    // A plain server is not a cluster either.
    const notCluster = {
      ...testRedisConfig(),
      cluster: { nodes: [{ host: '127.0.0.1', port: testRedisConfig().port }] },
    };
    await expect(assertRedisReachable(notCluster)).rejects.toThrow(StartupError);
  });
});

describe('pingRedis, which readiness asks', () => {
  it('answers while one master of a Cluster hangs: the other masters serve', async () => {
    const topology = await startRedisClusterTopology();
    const redis = createRedis({
      ...testRedisConfig(),
      cluster: { nodes: [{ host: '127.0.0.1', port: topology.servers[0]!.port }] },
    });
    const frozenPort = await topology.masterPortOf('frozen');
    const master = topology.servers.find((server) => server.port === frozenPort)!;
    try {
      await pingRedis(redis);
      master.signal('SIGSTOP');
      // Readiness gives Redis 2 s: every ping must answer within that, whichever node it asks.
      for (let i = 0; i < 12; i++) {
        const answer = await Promise.race([
          pingRedis(redis).then(() => 'answered'),
          sleep(2_000, 'hung'),
        ]);
        expect(answer).toBe('answered');
      }
    } finally {
      master.signal('SIGCONT');
      redis.disconnect();
      await topology.close();
    }
  });
});
