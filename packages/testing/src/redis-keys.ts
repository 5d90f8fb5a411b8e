import type { Cluster, Redis } from 'ioredis';

/**
 * Removes every key under `prefix`, e.g. a test's own namespace when it ends. On a Cluster it
 * asks every master, and deletes one key per DEL: a node refuses a DEL whose keys lie in
 * different slots.
 */
export async function deleteKeysUnder(redis: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    const keys = await node.keys(`${prefix}*`);
    const deletes = node.pipeline();
    for (const key of keys) deletes.del(key);
    await deletes.exec();
  }
}
