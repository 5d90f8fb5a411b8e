import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JwtBlacklistConfig, RedisConfig } from '@kelisim/config';
import { AppError } from '@kelisim/contracts';
import { blacklistRedisConfig, createJwtBlacklist } from './jwt-blacklist.js';

const redis = new Redis({
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
});
const namespaces: string[] = [];

afterEach(async () => {
  for (const namespace of namespaces.splice(0)) {
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});
afterAll(() => redis.quit());

/** A REDIS_PREFIX of this test's own, so tests never see each other's keys. */
function laravelPrefixes(cachePrefix = 'laravel_cache_') {
  const namespace = `kelisim_test:${randomBytes(4).toString('hex')}:`;
  namespaces.push(namespace);
  return { redisPrefix: `${namespace}laravel_database_`, cachePrefix };
}

// sha1('tag:tymon.jwt:entries'): Laravel 10+ RedisTagSet's namespace for jwt-auth's tag.
const entriesNamespace = 'ca7581d6d4749d8fd143ea956aa654aa02abe0ec';
const nowSeconds = () => Math.floor(Date.now() / 1000);
const validUntil = (timestamp: number) => `a:1:{s:11:"valid_until";i:${timestamp};}`;

/** What `JWTAuth::invalidate()` leaves in Redis on Laravel 10+ with the default prefixes. */
async function laravelBlacklists(redisPrefix: string, jti: string, value: string) {
  const key = `${redisPrefix}laravel_cache_:${entriesNamespace}:${jti}`;
  await redis.setex(key, 20_220 * 60, value);
  await redis.zadd(`${redisPrefix}laravel_cache_:tag:tymon.jwt:entries`, nowSeconds() + 3600, key);
}

describe('createJwtBlacklist (Laravel 10+ tags)', () => {
  const now = () => new Date();

  it('finds the entry jwt-auth wrote for a jti, and nothing for another jti', async () => {
    const prefixes = laravelPrefixes();
    await laravelBlacklists(prefixes.redisPrefix, 'Ab3dEf6hIj9kLm2n', validUntil(nowSeconds()));
    const blacklist = createJwtBlacklist(redis, { ...prefixes, tagMode: 'entries' });

    expect(await blacklist.isBlacklisted('Ab3dEf6hIj9kLm2n', now())).toBe(true);
    expect(await blacklist.isBlacklisted('Zz9yXw8vUt7sRq6p', now())).toBe(false);
  });

  it('lets the token through until valid_until while the grace period runs', async () => {
    const prefixes = laravelPrefixes();
    const graceEnds = nowSeconds() + 30;
    await laravelBlacklists(prefixes.redisPrefix, 'grace', validUntil(graceEnds));
    const blacklist = createJwtBlacklist(redis, { ...prefixes, tagMode: 'entries' });

    expect(await blacklist.isBlacklisted('grace', new Date((graceEnds - 1) * 1000))).toBe(false);
    expect(await blacklist.isBlacklisted('grace', new Date(graceEnds * 1000))).toBe(true);
  });

  it("treats 'forever' (a token without exp) as blacklisted", async () => {
    const prefixes = laravelPrefixes();
    await laravelBlacklists(prefixes.redisPrefix, 'noexp', 's:7:"forever";');
    const blacklist = createJwtBlacklist(redis, { ...prefixes, tagMode: 'entries' });

    expect(await blacklist.isBlacklisted('noexp', now())).toBe(true);
  });

  it('treats a value of an unknown shape under the jti key as blacklisted', async () => {
    const prefixes = laravelPrefixes();
    await laravelBlacklists(prefixes.redisPrefix, 'odd', '\x00igbinary-or-compressed');
    const blacklist = createJwtBlacklist(redis, { ...prefixes, tagMode: 'entries' });

    expect(await blacklist.isBlacklisted('odd', now())).toBe(true);
  });

  it('puts no colon after an empty CACHE_PREFIX, as Laravel’s RedisStore does', async () => {
    const { redisPrefix } = laravelPrefixes('');
    await redis.set(`${redisPrefix}${entriesNamespace}:bare`, validUntil(nowSeconds()));
    const blacklist = createJwtBlacklist(redis, {
      redisPrefix,
      cachePrefix: '',
      tagMode: 'entries',
    });

    expect(await blacklist.isBlacklisted('bare', now())).toBe(true);
  });
});

describe('createJwtBlacklist (Laravel 9 and earlier: tag namespace)', () => {
  const now = () => new Date();

  it('reads the tag id Laravel serialized at tag:tymon.jwt:key and finds the entry under it', async () => {
    const prefixes = laravelPrefixes();
    const store = `${prefixes.redisPrefix}laravel_cache_:`;
    await redis.set(`${store}tag:tymon.jwt:key`, 's:22:"6565e0c4b1a2f341234567";');
    // sha1('6565e0c4b1a2f341234567')
    await redis.setex(
      `${store}4edf6178a40fd07cc3d0c6fe75dddc24f2d8735e:old`,
      600,
      validUntil(nowSeconds()),
    );
    const blacklist = createJwtBlacklist(redis, { ...prefixes, tagMode: 'namespace' });

    expect(await blacklist.isBlacklisted('old', now())).toBe(true);
    expect(await blacklist.isBlacklisted('other', now())).toBe(false);
  });

  it('reads a numeric tag id, which Laravel stores without serializing', async () => {
    const prefixes = laravelPrefixes();
    const store = `${prefixes.redisPrefix}laravel_cache_:`;
    await redis.set(`${store}tag:tymon.jwt:key`, '657812345678901234567');
    // sha1('657812345678901234567')
    await redis.set(`${store}f06c25ff916b33c9e456b0e414df28168fa5914f:num`, 's:7:"forever";');
    const blacklist = createJwtBlacklist(redis, { ...prefixes, tagMode: 'namespace' });

    expect(await blacklist.isBlacklisted('num', now())).toBe(true);
  });

  it('finds nothing while the tag has no id yet', async () => {
    const blacklist = createJwtBlacklist(redis, { ...laravelPrefixes(), tagMode: 'namespace' });

    expect(await blacklist.isBlacklisted('any', now())).toBe(false);
  });
});

describe('createJwtBlacklist when Redis fails', () => {
  it('rejects with unavailable (fail closed) instead of answering', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    const blacklist = createJwtBlacklist(unreachable, { ...laravelPrefixes(), tagMode: 'entries' });

    const failure = blacklist.isBlacklisted('any', new Date());

    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    unreachable.disconnect();
  });
});

describe('blacklistRedisConfig', () => {
  const blacklist: JwtBlacklistConfig = {
    enabled: true,
    redisDb: 1,
    redisPrefix: 'laravel_database_',
    cachePrefix: 'laravel_cache_',
    tagMode: 'entries',
  };
  const ours: RedisConfig = {
    host: 'redis.internal',
    port: 6380,
    password: 'secret',
    db: 0,
    keyPrefix: 'kelisim:',
  };

  it("uses this service's server with Laravel's cache database (REDIS_CACHE_DB)", () => {
    expect(blacklistRedisConfig(ours, blacklist)).toEqual({ ...ours, db: 1 });
  });

  it('replaces the database in REDIS_URL', () => {
    const config = blacklistRedisConfig({ ...ours, url: 'redis://:pw@cache:6379/0' }, blacklist);
    expect(config.url).toBe('redis://:pw@cache:6379/1');
  });

  it('takes JWT_BLACKLIST_REDIS_URL as it is, without our credentials', () => {
    const url = 'rediss://laravel-cache:6379/3';
    expect(blacklistRedisConfig(ours, { ...blacklist, redisUrl: url })).toMatchObject({
      url,
      password: undefined,
      username: undefined,
    });
  });

  it("reads Laravel's cache from the same Redis Cluster, whose only database is 0", () => {
    const cluster: RedisConfig = { ...ours, cluster: { nodes: [{ host: 'a', port: 7000 }] } };
    expect(blacklistRedisConfig(cluster, blacklist)).toEqual(cluster);
    expect(
      blacklistRedisConfig(cluster, { ...blacklist, redisUrl: 'redis://laravel-cache:6379/1' }),
    ).toMatchObject({ url: 'redis://laravel-cache:6379/1', cluster: undefined });
  });
});
