import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server } from 'socket.io';
import { presenceAudience, type DomainContext } from '@kelisim/domain';
import type { ChatNode, RolePart } from '@kelisim/node';
import { registerHandshakeRefusals, registerSocketGauge } from '@kelisim/ops';
import { createIoPublisher, createRedisRateLimiter } from '@kelisim/redis';
import type { GatewaySettings, RealtimeConfig } from './config.js';
import { watchCredentials } from './credential-watch.js';
import { createEcho } from './echo/index.js';
import { createEventDispatch } from './event-dispatch.js';
import { createEventGuard } from './event-guard.js';
import { chatEventListeners } from './handlers/chat-events.js';
import { createHandshakeAdmission } from './handshake-admission.js';
import { authenticateHandshake, authenticateToken } from './handshake.js';
import { originAllowed, originTrusted } from './origins.js';
import { createPlainWebSocketServer } from './plain-websocket.js';
import { sendPresenceSnapshot } from './presence-snapshot.js';
import { trackPresence } from './presence-tracking.js';
import type { ChatServer, ChatSocket } from './types.js';

export interface GatewayOptions {
  httpServer: HttpServer;
  settings: GatewaySettings;
  /** Browser origins allowed to open sockets besides the same origin (ChatConfig.socketOrigins). */
  corsOrigins: string[];
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
   * reconnect; `/ws` connections are closed with 1012).
   */
  drain(options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/** The socket.io gateway of a node composed with `sockets: 'adapter'`, token checks and presence. */
export function createGateway(node: ChatNode, options: GatewayOptions): Gateway {
  const { adapter, auth, presence: presenceStore, presenceTtlMs } = node;
  if (!adapter || !auth || !presenceStore || presenceTtlMs === undefined) {
    throw new Error('A gateway needs a node with the socket adapter, token checks and presence.');
  }
  const { logger, db, redis, keyPrefix } = node;
  const { settings, corsOrigins } = options;
  let draining = false;
  let refusingSockets = false;
  const handshakesRefused = registerHandshakeRefusals(node.metrics);
  const admission = createHandshakeAdmission(settings.handshakeConcurrency, () =>
    handshakesRefused.inc(),
  );
  const io: ChatServer = new Server(options.httpServer, {
    adapter,
    maxHttpBufferSize: settings.maxFrameBytes,
    // Upgrades outside socket.io's path are answered by the plain WebSocket server below.
    destroyUpgrade: false,
    cors: (req, callback) => {
      const allowed = originAllowed(corsOrigins, req.headers);
      callback(null, {
        origin: allowed && req.headers.origin ? req.headers.origin : false,
        credentials: true,
      });
    },
    allowRequest: (req, callback) => {
      if (refusingSockets) return callback('draining', false);
      if (!originAllowed(corsOrigins, req.headers)) return callback('origin not allowed', false);
      // Refused at the transport level, so socket.io clients retry on their own, with jitter.
      if (!admission.admits()) return callback('busy: retry in a few seconds', false);
      callback(null, true);
    },
  });
  const ctx = node.domain(createIoPublisher(io, logger));
  /** A socket's logger, made when it logs: an idle connection holds none of its own. */
  const socketLogger = (socket: ChatSocket) =>
    logger.child({ socketId: socket.id, userId: socket.data.userId });
  const eventLimits = {
    perSocket: settings.eventLimit,
    perUser: createRedisRateLimiter(redis, {
      keyPrefix: `${keyPrefix}ratelimit:user-events`,
      ...settings.eventLimit,
    }),
    sync: {
      perSocket: settings.syncLimit,
      perUser: createRedisRateLimiter(redis, {
        keyPrefix: `${keyPrefix}ratelimit:user-syncs`,
        ...settings.syncLimit,
      }),
    },
  };
  const presence = trackPresence(
    io,
    presenceStore,
    db,
    ctx.events,
    ctx.jobs,
    presenceTtlMs,
    logger,
  );

  const echo = createEcho({
    io,
    ctx,
    redis: redis,
    keyPrefix: keyPrefix,
    settings: settings.echo,
    presenceTtlMs: presenceTtlMs,
    logger,
    socketLogger,
    beforeJoin: options.beforeChannelJoin,
    originTrusted: (headers) => originTrusted(corsOrigins, headers),
  });

  const credentialWatch = watchCredentials(io, {
    db: db,
    verifyToken: auth.verifyToken,
    credentials: auth.credentials,
    settings: settings.credentials,
    logger,
    socketLogger,
  });
  const listeners = {
    ...chatEventListeners(ctx, socketLogger),
    ...credentialWatch.listeners,
    ...echo.listeners,
  };
  const events = createEventDispatch({
    listeners,
    guard: createEventGuard(eventLimits, socketLogger, new Set(Object.keys(listeners))),
    credentials: credentialWatch,
  });
  /** Shared by every socket, like the event listeners. */
  function leaving(this: ChatSocket) {
    credentialWatch.disconnected(this);
    presence.disconnecting(this);
  }

  const plain = createPlainWebSocketServer({
    io,
    maxFrameBytes: settings.maxFrameBytes,
    pingIntervalMs: settings.plainPingIntervalMs,
    authenticate: (token) => authenticateToken(db, auth.verifyToken, token),
    originAllowed: (headers) => originAllowed(corsOrigins, headers),
    refusing: () => refusingSockets,
    admission,
    logger,
  });
  const ioPath = `${io.path()}/`;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(req.url ?? '').startsWith(ioPath)) plain.handleUpgrade(req, socket, head);
  };
  options.httpServer.on('upgrade', onUpgrade);

  const authenticate = authenticateHandshake(db, auth.verifyToken, logger, {
    allowGuests: echo.allowGuests,
    maxSocketsPerUser: settings.maxSocketsPerUser,
  });
  io.use((socket, next) => {
    const end = admission.start();
    authenticate(socket, (error) => {
      end();
      next(error);
    });
  });
  io.on('connection', (socket) => {
    credentialWatch.connected(socket);
    socket.use(events.middleware(socket));
    socket.on('disconnecting', leaving);
    if (socket.data.guest) return;
    // One read of who may see this user's presence serves the announcement and the snapshot.
    const audience = presenceAudience(db, socket.data.userId);
    presence.connected(socket, audience);
    sendPresenceSnapshot(socket, ctx, presenceStore, audience, socketLogger);
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
      options.httpServer.off('upgrade', onUpgrade);
      plain.close();
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

/**
 * The gateway role of a composed node on its HTTP server: settings from the node's config, its
 * socket count in the node's metrics, and its place in the node's shutdown (not ready for
 * CHAT_DRAIN_DELAY, drain, close).
 */
export function createNodeGateway(
  node: ChatNode,
  config: Pick<RealtimeConfig, 'chat' | 'realtime'>,
  httpServer: HttpServer,
): { gateway: Gateway; part: RolePart } {
  const gateway = createGateway(node, {
    httpServer,
    settings: config.realtime,
    corsOrigins: config.chat.socketOrigins,
  });
  registerSocketGauge(node.metrics, () => gateway.io.of('/').sockets.size);
  const part: RolePart = {
    drain: () => gateway.drain({ delayMs: config.chat.drainDelayMs }),
    close: () => gateway.close(),
  };
  return { gateway, part };
}
