import type { HostPort, RedisConfig } from './sections.js';

/**
 * Where and how to connect, as ioredis' (and so BullMQ's) connection options: one server (host
 * and port, or REDIS_URL's parts), or the master the sentinels name. Every Redis client of the
 * service is built from this, so each mode is configured in one place.
 */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  username?: string | undefined;
  password?: string | undefined;
  db: number;
  tls?: object | undefined;
  sentinels?: HostPort[];
  name?: string;
  sentinelPassword?: string | undefined;
  enableTLSForSentinelMode?: boolean;
  /** Reconnect as soon as a sentinel announces a new master, not only when the old one drops. */
  failoverDetector?: boolean;
}

export function redisConnectionOptions(config: RedisConfig): RedisConnectionOptions {
  const { username, password, db } = config;
  const tls = config.tls ? {} : undefined;
  if (config.sentinel) {
    return {
      sentinels: config.sentinel.nodes,
      name: config.sentinel.masterName,
      sentinelPassword: config.sentinel.password,
      username,
      password,
      db,
      tls,
      enableTLSForSentinelMode: config.tls,
      failoverDetector: true,
    };
  }
  if (!config.url) return { host: config.host, port: config.port, username, password, db, tls };
  const url = new URL(config.url);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : username,
    password: url.password ? decodeURIComponent(url.password) : password,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : db,
    tls: url.protocol === 'rediss:' ? {} : tls,
  };
}

/**
 * A Redis Cluster's seed nodes and the options every node connection takes (credentials, TLS);
 * undefined when Redis is not a Cluster.
 */
export function redisClusterOptions(
  config: RedisConfig,
): { nodes: HostPort[]; redisOptions: Omit<RedisConnectionOptions, 'db'> } | undefined {
  if (!config.cluster) return undefined;
  const { username, password } = config;
  return {
    nodes: config.cluster.nodes,
    redisOptions: { username, password, tls: config.tls ? {} : undefined },
  };
}

/** Where the service's Redis is, for messages: never a password. */
export function redisAddress(config: RedisConfig): string {
  if (config.cluster) {
    return `Redis Cluster of ${hostPorts(config.cluster.nodes)}`;
  }
  if (config.sentinel) {
    return `master "${config.sentinel.masterName}" of sentinels ${hostPorts(config.sentinel.nodes)}`;
  }
  if (!config.url) return `${config.host}:${config.port}`;
  try {
    const url = new URL(config.url);
    return `${url.hostname}:${url.port || 6379}`;
  } catch {
    return 'REDIS_URL';
  }
}

/** The settings that say where Redis is, for messages that tell the reader what to change. */
export function redisAddressSettings(config: RedisConfig): string {
  if (config.cluster) return 'REDIS_CLUSTER_NODES';
  if (config.sentinel) return 'REDIS_SENTINELS/REDIS_SENTINEL_MASTER';
  return config.url ? 'REDIS_URL' : 'REDIS_HOST/REDIS_PORT or REDIS_URL';
}

const hostPorts = (nodes: HostPort[]) => nodes.map(({ host, port }) => `${host}:${port}`).join(',');
