import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  envBoolean,
  envEnum,
  envInt,
  envOptionalEnum,
  envOptionalString,
  envString,
} from './env.js';

/**
 * MySQL/MariaDB: Laravel's DB_* names, or one DATABASE_URL (mysql://user:pass@host:port/db).
 * DB_SOCKET, as in Laravel, reaches a server on this host over its Unix socket instead of TCP.
 */
export const databaseEnv = z
  .object({
    DATABASE_URL: envOptionalString(),
    DB_HOST: envString('127.0.0.1'),
    DB_PORT: envInt({ min: 1, max: 65535, default: 3306 }),
    DB_DATABASE: envString('kelisim'),
    DB_USERNAME: envString('root'),
    DB_PASSWORD: envString(''),
    DB_POOL_SIZE: envInt({ min: 1, max: 500, default: 10 }),
    DB_SOCKET: envOptionalString(),
  })
  .transform((env, ctx): DatabaseConfig => {
    const base = {
      host: env.DB_HOST,
      port: env.DB_PORT,
      user: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      database: env.DB_DATABASE,
      connectionLimit: env.DB_POOL_SIZE,
      ...(env.DB_SOCKET ? { socketPath: env.DB_SOCKET } : {}),
    };
    if (!env.DATABASE_URL) return base;
    try {
      return { ...base, ...databaseConfigFromUrl(env.DATABASE_URL) };
    } catch {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'not a mysql:// URL' });
      return z.NEVER;
    }
  });

export interface DatabaseConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  connectionLimit: number;
  /** A Unix socket of the server on this host; when set, host and port are not used. */
  socketPath?: string;
}

/** Where the database is reached, for messages: its socket or host:port. */
export function databaseAddress(config: DatabaseConfig): string {
  return config.socketPath ? `socket ${config.socketPath}` : `${config.host}:${config.port}`;
}

export function databaseConfigFromUrl(raw: string): Omit<DatabaseConfig, 'connectionLimit'> {
  const url = new URL(raw);
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') throw new Error('not mysql');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.replace(/^\//, ''),
  };
}

/**
 * Redis: Laravel's REDIS_* names. CHAT_REDIS_KEY_PREFIX namespaces this service's own keys.
 * REDIS_SENTINELS (with REDIS_SENTINEL_MASTER) selects a Sentinel-managed master instead of one
 * server; REDIS_CLUSTER_NODES selects a Redis Cluster. The credentials and REDIS_SCHEME apply to
 * every server in each mode, the database to one server or the Sentinel master (a Cluster has only
 * database 0).
 */
export const redisEnv = z
  .object({
    REDIS_URL: envOptionalString(),
    REDIS_HOST: envString('127.0.0.1'),
    REDIS_PORT: envInt({ min: 1, max: 65535, default: 6379 }),
    REDIS_USERNAME: envOptionalString(),
    REDIS_PASSWORD: envOptionalString(),
    REDIS_DB: envInt({ min: 0, max: 255, default: 0 }),
    REDIS_SCHEME: envEnum(['tcp', 'tls'], 'tcp'),
    REDIS_SENTINELS: envOptionalString(),
    REDIS_SENTINEL_MASTER: envOptionalString(),
    REDIS_SENTINEL_PASSWORD: envOptionalString(),
    REDIS_CLUSTER_NODES: envOptionalString(),
    CHAT_REDIS_KEY_PREFIX: envString('kelisim:'),
  })
  .transform((env, ctx): RedisConfig => {
    const config: RedisConfig = {
      url: env.REDIS_URL,
      host: env.REDIS_HOST,
      port: env.REDIS_PORT,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      db: env.REDIS_DB,
      keyPrefix: env.CHAT_REDIS_KEY_PREFIX,
      tls: env.REDIS_SCHEME === 'tls' || undefined,
    };
    if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'not a redis:// or rediss:// URL',
      });
    }
    if (env.REDIS_CLUSTER_NODES) return clusterConfig(config, env, ctx);
    if (!env.REDIS_SENTINELS) {
      if (env.REDIS_SENTINEL_MASTER) {
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_SENTINEL_MASTER'],
          message: 'set REDIS_SENTINELS too (host:port of each sentinel, comma-separated)',
        });
      }
      return config;
    }
    const nodes = hostPortList(env.REDIS_SENTINELS, 26379);
    if (!nodes) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINELS'],
        message: 'expected host:port,host:port,… (e.g. 10.0.0.1:26379,10.0.0.2:26379)',
      });
    }
    if (!env.REDIS_SENTINEL_MASTER) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINEL_MASTER'],
        message:
          'the name the sentinels monitor the master under (e.g. mymaster) is required with REDIS_SENTINELS',
      });
    }
    if (env.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'REDIS_SENTINELS and REDIS_URL exclude each other: the sentinels name the master',
      });
    }
    if (!nodes || !env.REDIS_SENTINEL_MASTER || env.REDIS_URL) return z.NEVER;
    return {
      ...config,
      url: undefined,
      sentinel: {
        nodes,
        masterName: env.REDIS_SENTINEL_MASTER,
        password: env.REDIS_SENTINEL_PASSWORD,
      },
    };
  });

function clusterConfig(
  config: RedisConfig,
  env: {
    REDIS_CLUSTER_NODES?: string;
    REDIS_SENTINELS?: string;
    REDIS_URL?: string;
    REDIS_DB: number;
  },
  ctx: z.RefinementCtx,
): RedisConfig {
  const nodes = hostPortList(env.REDIS_CLUSTER_NODES ?? '', 6379);
  const conflicts: [string, string | undefined, string][] = [
    [
      'REDIS_CLUSTER_NODES',
      nodes ? undefined : 'x',
      'expected host:port,host:port,… (e.g. 10.0.0.1:6379,10.0.0.2:6379)',
    ],
    [
      'REDIS_SENTINELS',
      env.REDIS_SENTINELS,
      'REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other: a Redis Cluster fails over by itself',
    ],
    [
      'REDIS_URL',
      env.REDIS_URL,
      'REDIS_CLUSTER_NODES and REDIS_URL exclude each other: the cluster nodes name the servers',
    ],
    [
      'REDIS_DB',
      env.REDIS_DB === 0 ? undefined : 'x',
      'a Redis Cluster has only database 0: unset REDIS_DB or set it to 0',
    ],
  ];
  for (const [path, value, message] of conflicts) {
    if (value !== undefined) ctx.addIssue({ code: 'custom', path: [path], message });
  }
  if (conflicts.some(([, value]) => value !== undefined) || !nodes) return z.NEVER;
  return { ...config, url: undefined, cluster: { nodes } };
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port,host:port` (a bare host takes `defaultPort`); undefined when an entry is malformed. */
export function hostPortList(value: string, defaultPort: number): HostPort[] | undefined {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const list = entries.map((entry) => {
    const match = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(entry);
    const port = match?.[2] ? Number(match[2]) : defaultPort;
    if (!match || port < 1 || port > 65535) return undefined;
    return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  return list.length > 0 && list.every(Boolean) ? (list as HostPort[]) : undefined;
}

export interface RedisConfig {
  url?: string | undefined;
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  db: number;
  keyPrefix: string;
  /** TLS to Redis (REDIS_SCHEME=tls; a rediss:// URL implies it). */
  tls?: boolean | undefined;
  /** The master is the one these sentinels name (REDIS_SENTINELS); host, port and url are unused. */
  sentinel?: SentinelConfig | undefined;
  /** A Redis Cluster reached through these seed nodes (REDIS_CLUSTER_NODES); host, port, url, db unused. */
  cluster?: { nodes: HostPort[] } | undefined;
}

export interface SentinelConfig {
  nodes: HostPort[];
  /** REDIS_SENTINEL_MASTER: the name the sentinels monitor the master under. */
  masterName: string;
  /** REDIS_SENTINEL_PASSWORD: the sentinels' own password (`requirepass` of sentinel.conf). */
  password?: string | undefined;
}

export const jwtAlgorithms = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type JwtAlgorithm = (typeof jwtAlgorithms)[number];

/**
 * tymon/jwt-auth's names: JWT_SECRET, JWT_ALGO, JWT_LEEWAY, JWT_TTL, JWT_PUBLIC_KEY,
 * JWT_PRIVATE_KEY, JWT_BLACKLIST_ENABLED. The other JWT_BLACKLIST_* say where Laravel's cache
 * keeps the blacklist; SANCTUM_* accept Laravel Sanctum personal access tokens as well.
 */
export const jwtEnv = z
  .object({
    JWT_SECRET: envOptionalString(),
    JWT_ALGO: envEnum(jwtAlgorithms, 'HS256'),
    JWT_LEEWAY: envInt({ min: 0, max: 3600, default: 0 }),
    JWT_TTL: envInt({ min: 1, default: 60 }),
    JWT_USER_MODEL: envOptionalString(),
    JWT_PUBLIC_KEY: envOptionalString(),
    JWT_PRIVATE_KEY: envOptionalString(),
    APP_URL: envString('http://localhost'),
    JWT_BLACKLIST_ENABLED: envBoolean(),
    JWT_BLACKLIST_REDIS_URL: envOptionalString(),
    JWT_BLACKLIST_REDIS_DB: envInt({ min: 0, max: 255, default: 1 }),
    JWT_BLACKLIST_REDIS_PREFIX: envString('laravel_database_'),
    JWT_BLACKLIST_CACHE_PREFIX: envString('laravel_cache_'),
    JWT_BLACKLIST_TAG_MODE: envEnum(['entries', 'namespace'], 'entries'),
    SANCTUM_ENABLED: envBoolean(),
    SANCTUM_USER_MODEL: envString('App\\Models\\User'),
    SANCTUM_EXPIRATION: envOptionalString().pipe(z.coerce.number<string>().int().min(1).optional()),
    APP_ENV: envOptionalString(),
  })
  .transform((env, ctx): JwtConfig => {
    const symmetric = env.JWT_ALGO.startsWith('HS');
    if (symmetric && !env.JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `required for ${env.JWT_ALGO}`,
      });
    }
    const weakness = symmetric && env.JWT_SECRET ? jwtSecretWeakness(env.JWT_SECRET) : undefined;
    if (weakness && isProduction(env.APP_ENV)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `${weakness}: APP_ENV=production needs Laravel's real secret (\`php artisan jwt:secret\` makes one)`,
      });
    }
    if (!symmetric && !env.JWT_PUBLIC_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PUBLIC_KEY'],
        message: `required for ${env.JWT_ALGO}`,
      });
    }
    return {
      secret: env.JWT_SECRET ?? '',
      secretWarning: weakness,
      algorithm: env.JWT_ALGO,
      leewaySeconds: env.JWT_LEEWAY,
      ttlMinutes: env.JWT_TTL,
      userModel: env.JWT_USER_MODEL,
      publicKey: env.JWT_PUBLIC_KEY ? readKey(env.JWT_PUBLIC_KEY) : undefined,
      privateKey: env.JWT_PRIVATE_KEY ? readKey(env.JWT_PRIVATE_KEY) : undefined,
      issuer: env.APP_URL,
      blacklist: {
        enabled: env.JWT_BLACKLIST_ENABLED ?? false,
        redisUrl: env.JWT_BLACKLIST_REDIS_URL,
        redisDb: env.JWT_BLACKLIST_REDIS_DB,
        redisPrefix: env.JWT_BLACKLIST_REDIS_PREFIX,
        cachePrefix: env.JWT_BLACKLIST_CACHE_PREFIX,
        tagMode: env.JWT_BLACKLIST_TAG_MODE,
      },
      sanctum: {
        enabled: env.SANCTUM_ENABLED ?? false,
        userModel: env.SANCTUM_USER_MODEL,
        expirationMinutes: env.SANCTUM_EXPIRATION,
      },
    };
  });

export interface JwtConfig {
  secret: string;
  /** Why JWT_SECRET is unsafe (a placeholder, too short); refused when APP_ENV=production. */
  secretWarning?: string | undefined;
  algorithm: JwtAlgorithm;
  leewaySeconds: number;
  ttlMinutes: number;
  /** When set, a token's `prv` must equal sha1 of this class name (jwt-auth's provider check). */
  userModel?: string | undefined;
  publicKey?: string | undefined;
  privateKey?: string | undefined;
  issuer: string;
  /** Unset: no blacklist check. */
  blacklist?: JwtBlacklistConfig | undefined;
  /** Unset: Sanctum tokens are not accepted. */
  sanctum?: SanctumConfig | undefined;
}

/** Where Laravel's Redis cache store keeps jwt-auth's blacklist (see packages/auth). */
export interface JwtBlacklistConfig {
  enabled: boolean;
  /** Laravel's cache Redis; unset: this service's Redis server with database `redisDb`. */
  redisUrl?: string | undefined;
  /** Laravel's REDIS_CACHE_DB (its `cache` Redis connection), 1 by default. */
  redisDb: number;
  /** Laravel's REDIS_PREFIX: the Redis client's prefix on every key. */
  redisPrefix: string;
  /** Laravel's CACHE_PREFIX; the Redis cache store puts `:` after it when it is not empty. */
  cachePrefix: string;
  /** `entries`: Laravel 10 and later (RedisTagSet); `namespace`: Laravel 9 and earlier (TagSet). */
  tagMode: 'entries' | 'namespace';
}

export interface SanctumConfig {
  enabled: boolean;
  /** `tokenable_type` a token must have (the `users` provider's model). */
  userModel: string;
  /** Sanctum's `expiration`: minutes after `created_at`; unset: only `expires_at` counts. */
  expirationMinutes?: number | undefined;
}

/** The JWT_SECRET env.example and the docs show, which anyone can sign tokens with. */
export const placeholderJwtSecrets = ['your_jwt_secret_from_laravel'];

/** jwt-auth's `jwt:secret` generates 64 characters; fewer than 32 bytes is guessable. */
export const minJwtSecretBytes = 32;

/** Why an HS* secret is unsafe ("is the placeholder ..."), or undefined when it is not. */
export function jwtSecretWeakness(secret: string): string | undefined {
  if (placeholderJwtSecrets.includes(secret)) return 'is the placeholder from env.example';
  const bytes = Buffer.byteLength(secret);
  if (bytes < minJwtSecretBytes) return `is ${bytes} bytes long, shorter than ${minJwtSecretBytes}`;
  return undefined;
}

/** Laravel's APP_ENV=production. */
export function isProduction(appEnv: string | undefined): boolean {
  return appEnv?.toLowerCase() === 'production';
}

/** jwt-auth accepts keys as `file://path` or inline PEM. */
function readKey(value: string): string {
  return value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8') : value;
}

const levelForGinMode = { debug: 'debug', release: 'info', test: 'warn' } as const;

/**
 * GIN_MODE (the seed's name) picks the log level; LOG_LEVEL overrides it. Lines carry the level's
 * name (`"level":"info"`) unless LOG_LEVEL_FORMAT=number asks for pino's numbers (30).
 */
export const logEnv = z
  .object({
    GIN_MODE: envEnum(['debug', 'release', 'test'], 'release'),
    LOG_LEVEL: envOptionalString().pipe(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    ),
    LOG_PRETTY: envBoolean(),
    LOG_LEVEL_FORMAT: envEnum(['label', 'number'], 'label'),
  })
  .transform((env): LogConfig => ({
    level: env.LOG_LEVEL ?? levelForGinMode[env.GIN_MODE],
    pretty: env.LOG_PRETTY ?? env.GIN_MODE === 'debug',
    levelFormat: env.LOG_LEVEL_FORMAT,
  }));

export interface LogConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  pretty: boolean;
  /** `label` (the default when absent): `"level":"info"`; `number`: pino's `"level":30`. */
  levelFormat?: 'label' | 'number';
}

/** Presence: gateways write it, the worker reads it (who is offline, for webhooks). */
export const presenceEnv = z
  .object({ CHAT_PRESENCE_TTL: envInt({ min: 1, max: 3600, default: 30 }) })
  .transform((env): PresenceConfig => ({ ttlMs: env.CHAT_PRESENCE_TTL * 1000 }));

export interface PresenceConfig {
  /** A connection not heard of for this long (its node died) stops counting as online. */
  ttlMs: number;
}

/**
 * Prometheus /metrics of the API and gateway nodes: on a listener of its own (loopback by
 * default), never on the public port unless METRICS_TOKEN is set, and then only to requests
 * bearing it.
 */
export const metricsEnv = z
  .object({
    METRICS_HOST: envString('127.0.0.1'),
    METRICS_PORT: envInt({ min: 0, max: 65535, default: 9464 }),
    METRICS_TOKEN: envOptionalString().pipe(z.string().min(16).optional()),
  })
  .transform((env): MetricsConfig => ({
    host: env.METRICS_HOST,
    port: env.METRICS_PORT,
    token: env.METRICS_TOKEN,
  }));

export interface MetricsConfig {
  /** Address of the metrics listener. */
  host: string;
  /** Port of the metrics listener; 0 picks a free one. */
  port: number;
  /** Set: /metrics also answers on the public port, to `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

/** Settings every chat process shares: limits the domain enforces and how nodes find each other. */
export const chatEnv = z
  .object({
    CHAT_MESSAGE_MAX_LENGTH: envInt({ min: 1, max: 100_000, default: 10_000 }),
    CHAT_EDIT_WINDOW: envInt({ min: 0, default: 0 }),
    CHAT_SEND_RATE_LIMIT: envInt({ min: 1, default: 30 }),
    CHAT_SEND_RATE_WINDOW: envInt({ min: 1, default: 10 }),
    CHAT_SEND_BATCH_WAIT_MS: envInt({ min: 0, max: 100, default: 2 }),
    CHAT_SEND_BATCH_MAX: envInt({ min: 1, max: 1_000, default: 100 }),
    CHAT_GROUP_MAX_MEMBERS: envInt({ min: 2, default: 1_000 }),
    CHAT_CREATE_RATE_LIMIT: envInt({ min: 1, default: 30 }),
    CHAT_CREATE_RATE_WINDOW: envInt({ min: 1, default: 600 }),
    CHAT_PARTICIPANT_ADD_RATE_LIMIT: envInt({ min: 1, default: 1_000 }),
    CHAT_PARTICIPANT_ADD_RATE_WINDOW: envInt({ min: 1, default: 3_600 }),
    CHAT_DELETE_RATE_LIMIT: envInt({ min: 1, default: 60 }),
    CHAT_DELETE_RATE_WINDOW: envInt({ min: 1, default: 60 }),
    CHAT_SEARCH_RATE_LIMIT: envInt({ min: 1, default: 30 }),
    CHAT_SEARCH_RATE_WINDOW: envInt({ min: 1, default: 60 }),
    CHAT_CORS_ORIGINS: envOptionalString(),
    APP_URL: envString('http://localhost'),
    CHAT_NODE_ID: envOptionalString(),
    CHAT_REDIS_ADAPTER: envOptionalEnum(['classic', 'sharded']),
    REDIS_CLUSTER_NODES: envOptionalString(),
    CHAT_SOCKET_IO_KEY: envString('socket.io'),
    CHAT_DRAIN_DELAY: envInt({ min: 0, max: 300, default: 0 }),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CLUSTER_NODES && env.CHAT_REDIS_ADAPTER === 'classic') {
      ctx.addIssue({
        code: 'custom',
        path: ['CHAT_REDIS_ADAPTER'],
        message:
          'a Redis Cluster (REDIS_CLUSTER_NODES) needs the sharded adapter (sharded pub/sub, Redis 7 or later): set CHAT_REDIS_ADAPTER=sharded or leave it unset',
      });
    }
  })
  .transform((env): ChatConfig => ({
    messageMaxLength: env.CHAT_MESSAGE_MAX_LENGTH,
    editWindowSeconds: env.CHAT_EDIT_WINDOW,
    sendRateLimit: { points: env.CHAT_SEND_RATE_LIMIT, windowSeconds: env.CHAT_SEND_RATE_WINDOW },
    groupCommit: { maxWaitMs: env.CHAT_SEND_BATCH_WAIT_MS, maxBatch: env.CHAT_SEND_BATCH_MAX },
    groupMaxMembers: env.CHAT_GROUP_MAX_MEMBERS,
    createRateLimit: {
      points: env.CHAT_CREATE_RATE_LIMIT,
      windowSeconds: env.CHAT_CREATE_RATE_WINDOW,
    },
    participantAddRateLimit: {
      points: env.CHAT_PARTICIPANT_ADD_RATE_LIMIT,
      windowSeconds: env.CHAT_PARTICIPANT_ADD_RATE_WINDOW,
    },
    deleteRateLimit: {
      points: env.CHAT_DELETE_RATE_LIMIT,
      windowSeconds: env.CHAT_DELETE_RATE_WINDOW,
    },
    searchRateLimit: {
      points: env.CHAT_SEARCH_RATE_LIMIT,
      windowSeconds: env.CHAT_SEARCH_RATE_WINDOW,
    },
    corsOrigins: originList(env.CHAT_CORS_ORIGINS) ?? ['*'],
    socketOrigins: originList(env.CHAT_CORS_ORIGINS) ?? originOf(env.APP_URL),
    nodeId: env.CHAT_NODE_ID,
    adapter: env.CHAT_REDIS_ADAPTER ?? (env.REDIS_CLUSTER_NODES ? 'sharded' : 'classic'),
    socketIoKey: env.CHAT_SOCKET_IO_KEY,
    drainDelayMs: env.CHAT_DRAIN_DELAY * 1000,
  }));

/** A budget: `points` actions per `windowSeconds`, per user, across all nodes. */
export interface RateLimitSetting {
  points: number;
  windowSeconds: number;
}

export interface ChatConfig {
  /** Longest message, in Unicode code points. */
  messageMaxLength: number;
  /** How long after sending its sender may edit a message, in seconds; 0: always. */
  editWindowSeconds: number;
  /** Sends per user per window, across all nodes. */
  sendRateLimit: RateLimitSetting;
  /** How a node's concurrent sends share transactions: the longest wait and the most per batch. */
  groupCommit: { maxWaitMs: number; maxBatch: number };
  /** Most members a group may have, its creator included. */
  groupMaxMembers: number;
  /** Chats created per user per window, across all nodes. */
  createRateLimit: RateLimitSetting;
  /** Users added to groups (at creation or later) per user per window, across all nodes. */
  participantAddRateLimit: RateLimitSetting;
  /** Message deletions per user per window, across all nodes. */
  deleteRateLimit: RateLimitSetting;
  /** Message searches per user per window, across all nodes. */
  searchRateLimit: RateLimitSetting;
  /** Origins allowed by CORS on the REST API (no credentials); `*` allows any. */
  corsOrigins: string[];
  /**
   * Origins allowed to open sockets (CORS with credentials, WebSocket upgrades), besides the
   * same origin; `*` allows any. Unset CHAT_CORS_ORIGINS: APP_URL's origin.
   */
  socketOrigins: string[];
  nodeId?: string | undefined;
  /** socket.io Redis adapter flavour: classic pub/sub, or sharded pub/sub (the default on a Redis Cluster). */
  adapter: 'classic' | 'sharded';
  /** Channel prefix of the socket.io Redis adapter; every node and emitter must agree. */
  socketIoKey: string;
  /**
   * On SIGTERM a node reports not-ready for this long while still serving everything, so a load
   * balancer polling readiness stops sending it traffic before its sockets are moved away.
   */
  drainDelayMs: number;
}

function originList(value: string | undefined): string[] | undefined {
  const list = value
    ?.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  return list?.length ? list : undefined;
}

function originOf(url: string): string[] {
  return URL.canParse(url) ? [new URL(url).origin] : [];
}

/** The Go service's STORAGE_BASE_URL, where its file URLs pointed. */
export const defaultStorageBaseUrl = 'http://localhost:8080/storage/chat-files';

/**
 * Signed file links (`url`, `thumbnail_url` of file resources, served under STORAGE_BASE_URL's
 * path): signed with CHAT_URL_SIGNING_KEY, or else with a key derived from JWT_SECRET; with
 * neither (RS or ES tokens), files carry no links. Every role signs (resources are built on all).
 */
export const fileLinksEnv = z
  .object({
    STORAGE_BASE_URL: envString(defaultStorageBaseUrl).pipe(
      z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    ),
    CHAT_FILE_URL_TTL: envInt({ min: 60, max: 604_800, default: 3_600 }),
    CHAT_URL_SIGNING_KEY: envOptionalString().pipe(
      z.string().min(32, 'must be at least 32 characters').optional(),
    ),
    JWT_SECRET: envOptionalString(),
  })
  .transform((env): FileLinksConfig | undefined => {
    const secret = env.CHAT_URL_SIGNING_KEY ?? env.JWT_SECRET;
    if (!secret) return undefined;
    return {
      baseUrl: env.STORAGE_BASE_URL.replace(/\/+$/, ''),
      ttlSeconds: env.CHAT_FILE_URL_TTL,
      secret,
    };
  });

/** File storage: Laravel's FILESYSTEM_DISK and AWS_* names, the Go service's STORAGE_PATH and MAX_FILE_SIZE. */
export const storageEnv = z
  .object({
    FILESYSTEM_DISK: envEnum(['local', 's3'], 'local'),
    STORAGE_PATH: envString('./storage/chat-files'),
    MAX_FILE_SIZE: envInt({ min: 1, default: 10_485_760 }),
    CHAT_UPLOAD_QUOTA_BYTES: envInt({ min: 0, default: 1_073_741_824 }),
    AWS_ACCESS_KEY_ID: envOptionalString(),
    AWS_SECRET_ACCESS_KEY: envOptionalString(),
    AWS_DEFAULT_REGION: envString('us-east-1'),
    AWS_BUCKET: envOptionalString(),
    AWS_ENDPOINT: envOptionalString(),
    AWS_USE_PATH_STYLE_ENDPOINT: envBoolean(),
    CHAT_S3_PUBLIC_ENDPOINT: envOptionalString().pipe(z.url().optional()),
    CHAT_DOWNLOAD_URL_TTL: envInt({ min: 10, max: 604_800, default: 300 }),
  })
  .transform((env, ctx): StorageConfig => {
    if (env.FILESYSTEM_DISK === 's3' && !env.AWS_BUCKET) {
      ctx.addIssue({
        code: 'custom',
        path: ['AWS_BUCKET'],
        message: 'required when FILESYSTEM_DISK=s3',
      });
    }
    return {
      disk: env.FILESYSTEM_DISK,
      maxFileSize: env.MAX_FILE_SIZE,
      uploadQuotaBytes: env.CHAT_UPLOAD_QUOTA_BYTES,
      downloadUrlTtlSeconds: env.CHAT_DOWNLOAD_URL_TTL,
      local: { root: env.STORAGE_PATH },
      s3: {
        bucket: env.AWS_BUCKET ?? '',
        region: env.AWS_DEFAULT_REGION,
        endpoint: env.AWS_ENDPOINT,
        publicEndpoint: env.CHAT_S3_PUBLIC_ENDPOINT,
        forcePathStyle: env.AWS_USE_PATH_STYLE_ENDPOINT ?? false,
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      },
    };
  });

export interface StorageConfig {
  disk: 'local' | 's3';
  /** Largest accepted upload in bytes. */
  maxFileSize: number;
  /** Most bytes one user's live uploads may hold in all; 0: no quota. */
  uploadQuotaBytes: number;
  /** Lifetime of presigned S3 download URLs. */
  downloadUrlTtlSeconds: number;
  local: { root: string };
  s3: {
    bucket: string;
    region: string;
    /** Any S3-compatible endpoint (MinIO, …); AWS when unset. */
    endpoint?: string | undefined;
    /** The endpoint presigned download URLs name, when browsers reach S3 under another address. */
    publicEndpoint?: string | undefined;
    forcePathStyle: boolean;
    /** Unset: the AWS SDK's default credential chain (instance roles, …). */
    accessKeyId?: string | undefined;
    secretAccessKey?: string | undefined;
  };
}

export interface FileLinksConfig {
  /** STORAGE_BASE_URL without a trailing slash; the nodes serve its path. */
  baseUrl: string;
  /** How long a link works after it is handed out (CHAT_FILE_URL_TTL). */
  ttlSeconds: number;
  /** What the signing key is derived from: CHAT_URL_SIGNING_KEY, or else JWT_SECRET. */
  secret: string;
}

/** Lifetime of the tokens `POST /api/demo/token` hands out. */
export const demoTokenTtlMinutes = 12 * 60;

/**
 * CHAT_DEMO_MODE turns on `GET /api/demo/users` and `POST /api/demo/token`: anyone who can reach
 * the API may sign in as any user, without a password. For local trials only, so it refuses
 * Laravel's APP_ENV=production, and it needs a key to sign tokens with (JWT_SECRET for HS*,
 * JWT_PRIVATE_KEY for RS and ES algorithms).
 */
export const demoEnv = z
  .object({
    CHAT_DEMO_MODE: envBoolean(),
    APP_ENV: envOptionalString(),
    JWT_ALGO: envEnum(jwtAlgorithms, 'HS256'),
    JWT_PRIVATE_KEY: envOptionalString(),
  })
  .transform((env, ctx): DemoConfig => {
    const enabled = env.CHAT_DEMO_MODE ?? false;
    if (enabled && isProduction(env.APP_ENV)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHAT_DEMO_MODE'],
        message:
          'must not be true when APP_ENV=production: demo mode lets anyone sign in as any user',
      });
    }
    if (enabled && !env.JWT_ALGO.startsWith('HS') && !env.JWT_PRIVATE_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHAT_DEMO_MODE'],
        message: `demo tokens are signed with JWT_PRIVATE_KEY, which ${env.JWT_ALGO} needs: set it, or turn demo mode off`,
      });
    }
    return { enabled, tokenTtlMinutes: demoTokenTtlMinutes };
  });

export interface DemoConfig {
  /** The unauthenticated demo endpoints answer; off, they are 404s. */
  enabled: boolean;
  tokenTtlMinutes: number;
}
