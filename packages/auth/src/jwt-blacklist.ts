import { createHash } from 'node:crypto';
import type { JwtBlacklistConfig, RedisConfig } from '@kelisim/config';
import { checkUnavailable } from './auth-errors.js';

/**
 * jwt-auth's blacklist as Laravel's Redis cache store keeps it, read-only.
 *
 * tymon/jwt-auth and php-open-source-saver/jwt-auth 1.x/2.x (`Blacklist`,
 * `Providers\Storage\Illuminate`) store `['valid_until' => <unix time>]` (or the string
 * `'forever'` for a token without `exp`) under the token's `jti`, through
 * `cache()->tags('tymon.jwt')`. Laravel's Redis store then writes PHP-serialized values under
 * `<REDIS_PREFIX><CACHE_PREFIX>:<sha1(tag namespace)>:<jti>`, where the tag namespace is
 * `tag:tymon.jwt:entries` since Laravel 10 (RedisTagSet) and, up to Laravel 9 (TagSet), a random
 * id stored at `<REDIS_PREFIX><CACHE_PREFIX>:tag:tymon.jwt:key`.
 */

/** GET and MGET of a Redis client connected to Laravel's cache database (ioredis fits). */
export interface CacheReader {
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
}

export interface JwtBlacklist {
  /** Rejects with `unavailable` when the cache cannot be read (fail closed). */
  isBlacklisted(jti: string, now: Date): Promise<boolean>;
  /** The blacklisted ones of `jtis`: one MGET (after one GET of the tag id in `namespace` mode). */
  blacklisted(jtis: readonly string[], now: Date): Promise<Set<string>>;
}

const jwtAuthTag = 'tymon.jwt';

export function createJwtBlacklist(
  cache: CacheReader,
  config: Pick<JwtBlacklistConfig, 'redisPrefix' | 'cachePrefix' | 'tagMode'>,
): JwtBlacklist {
  const storePrefix = config.redisPrefix + (config.cachePrefix ? `${config.cachePrefix}:` : '');
  const entriesNamespace = sha1(`tag:${jwtAuthTag}:entries`);

  const namespaceKey = async (): Promise<string | undefined> => {
    if (config.tagMode === 'entries') return entriesNamespace;
    const tagId = await cache.get(`${storePrefix}tag:${jwtAuthTag}:key`);
    // No tag id: Laravel would start a fresh namespace, which holds no entries yet.
    return tagId === null ? undefined : sha1(unserializeTagId(tagId));
  };

  const blacklisted: JwtBlacklist['blacklisted'] = async (jtis, now) => {
    const unique = [...new Set(jtis)];
    if (unique.length === 0) return new Set<string>();
    try {
      const namespace = await namespaceKey();
      if (namespace === undefined) return new Set<string>();
      const entries = await cache.mget(unique.map((jti) => `${storePrefix}${namespace}:${jti}`));
      return new Set(
        unique.filter((_, i) => {
          const entry = entries[i];
          return typeof entry === 'string' && entryBlocks(entry, now);
        }),
      );
    } catch (error) {
      throw checkUnavailable(error);
    }
  };

  return {
    isBlacklisted: async (jti, now) => (await blacklisted([jti], now)).has(jti),
    blacklisted,
  };
}

/**
 * jwt-auth's `Blacklist::has`: `'forever'`, or `valid_until` not in the future (the grace period
 * has passed). A value in any other shape sits under this jti's key all the same (a phpredis
 * serializer or compression, say): it counts as blacklisted.
 */
function entryBlocks(entry: string, now: Date): boolean {
  if (entry === 's:7:"forever";') return true;
  const validUntil = /^a:1:\{s:11:"valid_until";i:(-?\d+);\}$/.exec(entry)?.[1];
  if (validUntil === undefined) return true;
  return Number(validUntil) * 1000 <= now.getTime();
}

/** Laravel's RedisStore stores numeric strings raw and everything else `serialize()`d. */
function unserializeTagId(value: string): string {
  const serialized = /^s:(\d+):"(.*)";$/s.exec(value);
  if (serialized?.[2] !== undefined && Buffer.byteLength(serialized[2]) === Number(serialized[1])) {
    return serialized[2];
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value)) return value;
  throw new Error(`Unexpected value at the ${jwtAuthTag} cache tag key`);
}

function sha1(value: string): string {
  return createHash('sha1').update(value, 'utf8').digest('hex');
}

/** The Redis connection for Laravel's cache store, next to this service's own connection. */
export function blacklistRedisConfig(
  redis: RedisConfig,
  blacklist: JwtBlacklistConfig,
): RedisConfig {
  if (blacklist.redisUrl) {
    return {
      ...redis,
      url: blacklist.redisUrl,
      username: undefined,
      password: undefined,
      db: 0,
      tls: undefined,
      sentinel: undefined,
      cluster: undefined,
    };
  }
  // A Redis Cluster has only database 0: Laravel's cache shares it, apart by key prefix.
  if (redis.cluster) return redis;
  if (!redis.url) return { ...redis, db: blacklist.redisDb };
  const url = new URL(redis.url);
  url.pathname = `/${blacklist.redisDb}`;
  return { ...redis, url: url.toString(), db: blacklist.redisDb };
}
