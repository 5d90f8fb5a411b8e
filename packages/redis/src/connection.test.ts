import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StartupError } from '@kelisim/config';
import { testRedisConfig } from '@kelisim/testing';
import { assertRedisReachable } from './connection.js';

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
