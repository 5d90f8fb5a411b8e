import type { RedisClient } from '@kelisim/redis';
import type { Server } from 'socket.io';
import type { Logger } from '@kelisim/logger';
import type { EchoSettings } from '../config.js';
import type { ChatServer } from '../types.js';
import { roomOf } from './channels.js';
import { laravelBroadcast } from '@kelisim/contracts';

/** Laravel's events are small; anything larger is a mistake or an attack, never delivered. */
export const MAX_BROADCAST_BYTES = 1_048_576;
/** Drops are logged at most this often (with a count of the ones in between). */
const DROP_LOG_INTERVAL_MS = 1_000;

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Laravel's Redis broadcaster → Echo subscribers. Every node pattern-subscribes to
 * `<REDIS_PREFIX>*` on a connection of its own and delivers each broadcast to the channel's
 * subscribers on this node only (every node receives the publish), leaving out the socket named in
 * `socket` (`toOthers()`). The socket.io adapter's own channels, and Redis' keyspace and tracking
 * channels, share the namespace when the prefix is empty: they are skipped. On a Redis Cluster,
 * where PUBLISH reaches every node, ioredis subscribes on one node of its choice and moves the
 * subscription to another when that node fails.
 */
export function ingestBroadcasts(
  io: ChatServer,
  subscriber: RedisClient,
  settings: Pick<EchoSettings, 'broadcastPrefix' | 'adapterKey'>,
  logger: Logger,
) {
  const { broadcastPrefix: prefix, adapterKey } = settings;
  const pattern = `${escapeGlob(prefix)}*`;
  const notBroadcasts = [
    `${adapterKey}#`,
    `${adapterKey}-request#`,
    `${adapterKey}-response#`,
    '__keyspace@',
    '__keyevent@',
    '__redis__:',
  ];
  // Laravel names the events, so they are emitted through the untyped view of the server.
  const server: Server = io;

  let lastDropLog = 0;
  let unlogged = 0;
  const drop = (channel: string, reason: string, bytes: number) => {
    const now = Date.now();
    if (now - lastDropLog < DROP_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    logger.warn(
      { channel: channel.slice(0, 200), reason, bytes, alsoDropped: unlogged },
      'dropped a Laravel broadcast',
    );
    lastDropLog = now;
    unlogged = 0;
  };

  const deliver = (fullChannel: string, message: Buffer) => {
    if (notBroadcasts.some((start) => fullChannel.startsWith(start))) return;
    const channel = fullChannel.slice(prefix.length);
    if (!channel) return drop(fullChannel, 'no channel name', message.length);
    if (message.length > MAX_BROADCAST_BYTES) return drop(channel, 'too large', message.length);
    let json: unknown;
    try {
      json = JSON.parse(message.toString('utf8'));
    } catch {
      return drop(channel, 'not JSON', message.length);
    }
    const parsed = laravelBroadcast.safeParse(json);
    if (!parsed.success) return drop(channel, 'not {event, data, socket}', message.length);
    const { event, data, socket } = parsed.data;
    const target = server.local.to(roomOf(channel));
    try {
      (socket ? target.except(socket) : target).emit(event, channel, data);
    } catch {
      // socket.io refuses its reserved names (connect, disconnect, …) as event names.
      drop(channel, 'reserved event name', message.length);
    }
  };

  const onMessage = (matched: Buffer, channel: Buffer, message: Buffer) => {
    if (matched.toString() === pattern) deliver(channel.toString(), message);
  };
  subscriber.on('pmessageBuffer', onMessage);
  subscriber.on('error', (error: Error) =>
    logger.warn({ err: error }, 'broadcast subscriber connection error'),
  );

  // ioredis resubscribes after a reconnect by itself, but only to patterns it got to subscribe.
  let subscribed = false;
  const subscribe = () =>
    subscriber.psubscribe(pattern).then(
      () => {
        if (!subscribed) logger.info({ pattern }, 'listening for Laravel broadcasts');
        subscribed = true;
      },
      (error: unknown) => logger.error({ err: error, pattern }, 'broadcast subscription failed'),
    );
  const ready = subscribe();
  subscriber.on('ready', () => {
    if (!subscribed) void subscribe();
  });

  return {
    /** Settles once the first subscription attempt did (it is retried on every reconnect). */
    ready: () => ready,
    async close(): Promise<void> {
      subscriber.off('pmessageBuffer', onMessage);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
