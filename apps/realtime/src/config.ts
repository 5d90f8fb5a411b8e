import { z } from 'zod';
import {
  type Env,
  envBoolean,
  envInt,
  envOptionalString,
  envString,
  jwtEnv,
  metricsEnv,
  parseEnvSections,
  presenceEnv,
  type RateLimitSetting,
} from '@kelisim/config';
import { nodeEnvSections } from '@kelisim/node';

/** laravel-echo-server listened on 6001; Echo front-ends often still point there. */
export const realtimeEnv = z
  .object({
    REALTIME_PORT: envInt({ min: 0, max: 65535, default: 6001 }),
    CHAT_SOCKET_MAX_FRAME_BYTES: envInt({ min: 1024, max: 10_485_760, default: 131_072 }),
    CHAT_SOCKET_EVENT_LIMIT: envInt({ min: 1, default: 100 }),
    CHAT_SOCKET_EVENT_WINDOW: envInt({ min: 1, default: 10 }),
    CHAT_SOCKET_SYNC_LIMIT: envInt({ min: 1, default: 300 }),
    CHAT_MAX_SOCKETS_PER_USER: envInt({ min: 1, default: 20 }),
    CHAT_HANDSHAKE_CONCURRENCY: envInt({ min: 1, default: 1_000 }),
    CHAT_SHUTDOWN_TIMEOUT: envInt({ min: 1, max: 600, default: 10 }),
    CHAT_AUTH_RECHECK_SECONDS: envInt({ min: 1, max: 3600, default: 15 }),
    CHAT_REAUTH_GRACE_SECONDS: envInt({ min: 0, max: 3600, default: 30 }),
    CHAT_WS_PING_INTERVAL: envInt({ min: 1, max: 3600, default: 25 }),
    // Laravel Echo (laravel-echo-server's roles). `packages/config` reads an empty value as unset,
    // so an empty REDIS_PREFIX (or none) means "no prefix", Laravel's `'prefix' => ''`.
    REDIS_PREFIX: envOptionalString(),
    CHAT_ALLOW_GUESTS: envBoolean(),
    LARAVEL_AUTH_URL: envOptionalString().pipe(z.url().optional()),
    LARAVEL_AUTH_TIMEOUT: envInt({ min: 1, max: 60, default: 5 }),
    CHAT_SOCKET_IO_KEY: envString('socket.io'),
  })
  .transform((env): GatewaySettings => ({
    port: env.REALTIME_PORT,
    maxFrameBytes: env.CHAT_SOCKET_MAX_FRAME_BYTES,
    eventLimit: {
      points: env.CHAT_SOCKET_EVENT_LIMIT,
      windowSeconds: env.CHAT_SOCKET_EVENT_WINDOW,
    },
    syncLimit: {
      points: env.CHAT_SOCKET_SYNC_LIMIT,
      windowSeconds: env.CHAT_SOCKET_EVENT_WINDOW,
    },
    maxSocketsPerUser: env.CHAT_MAX_SOCKETS_PER_USER,
    handshakeConcurrency: env.CHAT_HANDSHAKE_CONCURRENCY,
    shutdownTimeoutMs: env.CHAT_SHUTDOWN_TIMEOUT * 1000,
    plainPingIntervalMs: env.CHAT_WS_PING_INTERVAL * 1000,
    credentials: {
      recheckIntervalMs: env.CHAT_AUTH_RECHECK_SECONDS * 1000,
      reauthGraceMs: env.CHAT_REAUTH_GRACE_SECONDS * 1000,
    },
    echo: {
      broadcastPrefix: env.REDIS_PREFIX ?? '',
      adapterKey: env.CHAT_SOCKET_IO_KEY,
      allowGuests: env.CHAT_ALLOW_GUESTS ?? false,
      laravelAuthUrl: env.LARAVEL_AUTH_URL,
      laravelAuthTimeoutMs: env.LARAVEL_AUTH_TIMEOUT * 1000,
    },
  }));

export interface GatewaySettings {
  port: number;
  /** Largest accepted socket.io frame; chat frames are far smaller than socket.io's 1 MB default. */
  maxFrameBytes: number;
  /** Incoming events allowed per socket, and per user across nodes, per window. */
  eventLimit: RateLimitSetting;
  /** `sync` and `sync_chats`: a budget of their own (same shape), so a resume is never starved. */
  syncLimit: RateLimitSetting;
  /** Sockets one user may hold on this node; more handshakes fail with `too_many_connections`. */
  maxSocketsPerUser: number;
  /**
   * Handshakes (token check, user and chats) this node runs at once; new connections beyond it
   * are refused at once, and clients come back with jitter (handshake-admission.ts).
   */
  handshakeConcurrency: number;
  /** How long a draining node waits for its sockets to move elsewhere before closing. */
  shutdownTimeoutMs: number;
  /**
   * `/ws` keepalive: the server pings every interval and drops a connection that has not answered
   * (a pong or any frame) since the previous ping.
   */
  plainPingIntervalMs: number;
  /** Live connections follow their token's life (see credential-watch.ts). */
  credentials: CredentialWatchSettings;
  /** Laravel Echo; without it no broadcasts are ingested, guests and Laravel auth are off. */
  echo?: EchoSettings;
}

export interface CredentialWatchSettings {
  /** How often the blacklist, Sanctum tokens and users of this node's sockets are re-checked. */
  recheckIntervalMs: number;
  /** How long a socket whose token expired may take to send `reauth` before it is dropped. */
  reauthGraceMs: number;
}

export interface EchoSettings {
  /** Laravel's REDIS_PREFIX: its broadcasts arrive on `<prefix><channel>`. May be empty. */
  broadcastPrefix: string;
  /** The socket.io adapter's key (CHAT_SOCKET_IO_KEY): its channels are never broadcasts. */
  adapterKey: string;
  /** Sockets without any token connect as guests: public channels only. */
  allowGuests: boolean;
  /** Laravel's `/broadcasting/auth`, for private and presence channels other than chats'. */
  laravelAuthUrl?: string | undefined;
  laravelAuthTimeoutMs: number;
}

export function loadRealtimeConfig(env: Env) {
  return parseEnvSections(
    {
      ...nodeEnvSections,
      realtime: realtimeEnv,
      presence: presenceEnv,
      jwt: jwtEnv,
      metrics: metricsEnv,
    },
    env,
  );
}

export type RealtimeConfig = ReturnType<typeof loadRealtimeConfig>;
