import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { Authenticate, CredentialCheck } from '@kelisim/auth';
import type { Db } from '@kelisim/db';
import type { DomainContext } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import {
  createIoPublisher,
  createRedisRateLimiter,
  type Presence,
  type SocketAdapter,
} from '@kelisim/redis';
import type { GatewaySettings } from './config.js';
import { watchCredentials } from './credential-watch.js';
import { createEcho } from './echo/index.js';
import { guardEvents } from './event-guard.js';
import { registerChatEvents } from './handlers/chat-events.js';
import { authenticateHandshake } from './handshake.js';
import { originAllowed, originTrusted } from './origins.js';
import { sendPresenceSnapshot } from './presence-snapshot.js';
import { trackPresence } from './presence-tracking.js';
import type { ChatServer } from './types.js';

export interface GatewayDeps {
  httpServer: HttpServer;
  db: Db;
  /** For rate limits and presence (never the adapter's own connections). */
  redis: Redis;
  adapter: SocketAdapter['adapter'];
  presence: Presence;
  /** jwt-auth JWTs and, when enabled, Sanctum tokens. */
  verifyToken: Authenticate;
  /** Re-checks the tokens of live sockets (expiry, blacklist, Sanctum revocation, users). */
  credentials: CredentialCheck;
  /** Builds the domain context around the gateway's own publisher. */
  domain: (events: DomainContext['events']) => DomainContext;
  logger: Logger;
  settings: GatewaySettings;
  /** Browser origins allowed to open sockets besides the same origin (ChatConfig.socketOrigins). */
  corsOrigins: string[];
  keyPrefix: string;
  /** Tests only: runs between an Echo subscription's authorisation and its join. */
  beforeChannelJoin?: (channel: string) => Promise<void>;
}

export interface Gateway {
  io: ChatServer;
  ctx: DomainContext;
  /** Settles once Laravel's broadcasts are being received; listen after it. */
  ready(): Promise<void>;
  /** True from the start of `drain()`: readiness answers 503. */
  isDraining(): boolean;
  /**
   * Reports not-ready, keeps serving for `delayMs` (so a load balancer polling readiness stops
   * routing here), then stops accepting sockets and moves the connected ones elsewhere (they
   * reconnect).
   */
  drain(options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { logger, settings } = deps;
  let draining = false;
  let refusingSockets = false;
  const io: ChatServer = new Server(deps.httpServer, {
    adapter: deps.adapter,
    maxHttpBufferSize: settings.maxFrameBytes,
    cors: (req, callback) => {
      const allowed = originAllowed(deps.corsOrigins, req.headers);
      callback(null, {
        origin: allowed && req.headers.origin ? req.headers.origin : false,
        credentials: true,
      });
    },
    allowRequest: (req, callback) => {
      if (refusingSockets) return callback('draining', false);
      const allowed = originAllowed(deps.corsOrigins, req.headers);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });
  const ctx = deps.domain(createIoPublisher(io, logger));
  const eventLimits = {
    perSocket: settings.eventLimit,
    perUser: createRedisRateLimiter(deps.redis, {
      keyPrefix: `${deps.keyPrefix}ratelimit:user-events`,
      ...settings.eventLimit,
    }),
    sync: {
      perSocket: settings.syncLimit,
      perUser: createRedisRateLimiter(deps.redis, {
        keyPrefix: `${deps.keyPrefix}ratelimit:user-syncs`,
        ...settings.syncLimit,
      }),
    },
  };
  const presence = trackPresence(
    io,
    deps.presence,
    deps.db,
    ctx.events,
    ctx.jobs,
    settings.presenceTtlMs,
    logger,
  );

  const echo = createEcho({
    io,
    ctx,
    redis: deps.redis,
    keyPrefix: deps.keyPrefix,
    settings: settings.echo,
    presenceTtlMs: settings.presenceTtlMs,
    logger,
    beforeJoin: deps.beforeChannelJoin,
    originTrusted: (headers) => originTrusted(deps.corsOrigins, headers),
  });

  const credentialWatch = watchCredentials(io, {
    db: deps.db,
    verifyToken: deps.verifyToken,
    credentials: deps.credentials,
    settings: settings.credentials,
    logger,
  });

  io.use(
    authenticateHandshake(deps.db, deps.verifyToken, logger, {
      allowGuests: echo.allowGuests,
      maxSocketsPerUser: settings.maxSocketsPerUser,
    }),
  );
  io.on('connection', (socket) => {
    const socketLogger = logger.child({ socketId: socket.id, userId: socket.data.userId });
    credentialWatch.connected(socket, socketLogger);
    socket.use(guardEvents(socket, eventLimits, socketLogger));
    echo.connected(socket, socketLogger);
    if (socket.data.guest) return;
    registerChatEvents(socket, ctx, socketLogger);
    presence.connected(socket);
    sendPresenceSnapshot(socket, ctx, deps.presence, socketLogger);
  });

  return {
    io,
    ctx,
    ready: () => echo.ready(),
    isDraining: () => draining,
    async drain({ delayMs = 0 } = {}) {
      draining = true;
      if (delayMs > 0) {
        logger.info({ delayMs }, 'not ready; serving until the drain delay ends');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      refusingSockets = true;
      const local = [...io.of('/').sockets.values()];
      logger.info({ sockets: local.length }, 'draining sockets');
      for (const socket of local) {
        socket.emit('error', {
          code: 'unavailable',
          message: 'This node is restarting; reconnecting.',
        });
        // An engine-level close (not socket.disconnect) makes clients reconnect on their own.
        socket.conn.close();
      }
      await waitUntil(() => io.of('/').sockets.size === 0, settings.shutdownTimeoutMs);
      await Promise.all([presence.settled(), echo.settled()]);
    },
    async close() {
      presence.stop();
      echo.stop();
      credentialWatch.stop();
      await io.close();
      await Promise.all([presence.settled(), echo.close(), credentialWatch.settled()]);
    },
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
