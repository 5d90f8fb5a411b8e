import type { IncomingHttpHeaders } from 'node:http';
import type { DomainContext } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { createChannelPresence, type RedisClient } from '@kelisim/redis';
import type { EchoSettings } from '../config.js';
import type { ChatServer, ChatSocket } from '../types.js';
import { createChannelAuthorizer } from './authorize.js';
import { createChatEventRelay } from './chat-relay.js';
import { ingestBroadcasts } from './broadcasts.js';
import { trackPresenceChannels } from './presence-channels.js';
import { createEchoEvents } from './subscriptions.js';

export { echoClientEvents } from '@kelisim/contracts';

export interface EchoDeps {
  io: ChatServer;
  ctx: DomainContext;
  /** For presence channels; broadcasts get a duplicate of it (a subscriber connection). */
  redis: RedisClient;
  keyPrefix: string;
  /** Without settings: no broadcast ingestion, no guests, no Laravel authorisation. */
  settings: EchoSettings | undefined;
  presenceTtlMs: number;
  logger: Logger;
  /** A socket's own logger (its id and user bound). */
  socketLogger: (socket: ChatSocket) => Logger;
  /** Whether the handshake's Origin may use the socket's cookies (sent to Laravel's auth). */
  originTrusted: (headers: IncomingHttpHeaders) => boolean;
  /** Tests only: runs between a subscription's authorisation and its join. */
  beforeJoin?: ((channel: string) => Promise<void>) | undefined;
}

/** laravel-echo-server's roles inside the gateway: Echo's protocol and Laravel's broadcasts. */
export function createEcho(deps: EchoDeps) {
  const { io, logger, settings } = deps;
  const authorize = createChannelAuthorizer(
    deps.ctx,
    {
      laravelAuthUrl: settings?.laravelAuthUrl,
      laravelAuthTimeoutMs: settings?.laravelAuthTimeoutMs ?? 5_000,
      originTrusted: deps.originTrusted,
    },
    logger,
  );
  const presence = trackPresenceChannels(
    io,
    createChannelPresence(deps.redis, { keyPrefix: deps.keyPrefix, ttlMs: deps.presenceTtlMs }),
    deps.presenceTtlMs,
    logger,
  );
  const broadcasts = settings && ingestBroadcasts(io, deps.redis.duplicate(), settings, logger);
  const events = createEchoEvents({
    authorize,
    presence,
    chatEvents: createChatEventRelay(io),
    loggerOf: deps.socketLogger,
    beforeJoin: deps.beforeJoin,
  });

  return {
    allowGuests: settings?.allowGuests ?? false,
    /** Echo's client events, by name. */
    listeners: events.listeners,
    /** Settles once Laravel's broadcasts are being received. */
    ready: (): Promise<void> => broadcasts?.ready() ?? Promise.resolve(),
    stop(): void {
      presence.stop();
    },
    /** After the sockets are gone: their presence leaves are written, the subscriber is closed. */
    async close(): Promise<void> {
      presence.stop();
      await presence.settled();
      await broadcasts?.close();
    },
    settled: () => presence.settled(),
  };
}

export type Echo = ReturnType<typeof createEcho>;
