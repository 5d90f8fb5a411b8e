import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, type ServerOptions } from 'socket.io';
import type { ChatConfig, RedisConfig } from '@kelisim/config';
import type { EventPublisher } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { autoPipelining, createRedis, type RedisClient } from './connection.js';
import { createEmitterPublisher } from './emitter-publisher.js';
import { createIoPublisher } from './io-publisher.js';

export interface SocketAdapter {
  adapter: NonNullable<ServerOptions['adapter']>;
  close(): Promise<void>;
}

/** The socket.io Redis adapter over two dedicated connections (a subscriber cannot publish). */
export function createSocketAdapter(
  redisConfig: RedisConfig,
  chat: Pick<ChatConfig, 'adapter' | 'socketIoKey'>,
  logger: Logger,
): SocketAdapter {
  const pub = createRedis(redisConfig, { maxRetriesPerRequest: null, ...autoPipelining });
  // On a Cluster, each channel's SSUBSCRIBE goes to the master owning its slot, and moves with it.
  const sub = createRedis(
    redisConfig,
    { maxRetriesPerRequest: null },
    { shardedSubscribers: true },
  );
  for (const [name, connection] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    connection.on('error', (error) =>
      logger.warn({ err: error, connection: name }, 'redis adapter connection error'),
    );
  }
  const adapter: SocketAdapter['adapter'] =
    chat.adapter === 'sharded'
      ? createShardedAdapter(pub, sub, { channelPrefix: chat.socketIoKey })
      : createAdapter(pub, sub, { key: chat.socketIoKey });
  return {
    adapter,
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/**
 * How a process without sockets (API, worker) pushes: the Redis emitter for the classic adapter;
 * for the sharded adapter, which the emitter does not speak, a headless socket.io server.
 */
export function createSocketPublisher(
  redis: RedisClient,
  redisConfig: RedisConfig,
  chat: Pick<ChatConfig, 'adapter' | 'socketIoKey'>,
  logger: Logger,
): { publisher: EventPublisher; close(): Promise<void> } {
  if (chat.adapter === 'classic') {
    return {
      publisher: createEmitterPublisher(redis, logger, chat.socketIoKey),
      close: async () => {},
    };
  }
  const socketAdapter = createSocketAdapter(redisConfig, chat, logger);
  const io = new Server({ adapter: socketAdapter.adapter });
  return {
    publisher: createIoPublisher(io, logger),
    async close() {
      // A server never attached to HTTP has no engine, which Server.close() assumes.
      await io.of('/').adapter.close();
      await socketAdapter.close();
    },
  };
}
