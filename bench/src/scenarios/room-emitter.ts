import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { Cluster } from 'ioredis';
import { Server } from 'socket.io';
import type { SystemUnderTest } from '../system.js';

/** Pushes straight into the nodes' rooms, as the API and the worker do: probes, fan-out loads. */
export interface RoomEmitter {
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
}

/**
 * The Redis emitter for the classic adapter; for the sharded one, which the emitter does not
 * speak, a socket.io server without HTTP on the same adapter (on a Cluster, subscribing per shard).
 */
export function roomEmitter(sut: SystemUnderTest): {
  emitter: RoomEmitter;
  close(): Promise<void>;
} {
  const key = sut.env.CHAT_SOCKET_IO_KEY;
  if (sut.env.CHAT_REDIS_ADAPTER !== 'sharded' && !sut.env.REDIS_CLUSTER_NODES) {
    return { emitter: new Emitter(sut.redis, { key }), close: async () => {} };
  }
  const pub = sut.redis.duplicate();
  const sub =
    sut.redis instanceof Cluster
      ? sut.redis.duplicate([], { shardedSubscribers: true })
      : sut.redis.duplicate();
  const io = new Server({ adapter: createShardedAdapter(pub, sub, { channelPrefix: key }) });
  return {
    emitter: io,
    async close() {
      await io.of('/').adapter.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}
