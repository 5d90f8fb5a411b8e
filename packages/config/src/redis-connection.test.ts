import { describe, expect, it } from 'vitest';
import { parseEnv, type ConfigError } from './env.js';
import {
  redisAddress,
  redisAddressSettings,
  redisClusterOptions,
  redisConnectionOptions,
} from './redis-connection.js';
import { chatEnv } from './sections.js';
import { redisEnv } from './sections.js';

const redis = (env: Record<string, string>) => parseEnv(redisEnv, env);
const problems = (env: Record<string, string>) => {
  try {
    redis(env);
  } catch (error) {
    return (error as ConfigError).problems;
  }
  return [];
};

describe('where Redis is', () => {
  it('connects to one server by host and port, or by REDIS_URL, with TLS on request', () => {
    expect(redisConnectionOptions(redis({ REDIS_HOST: 'cache', REDIS_PASSWORD: 'pw' }))).toEqual({
      host: 'cache',
      port: 6379,
      username: undefined,
      password: 'pw',
      db: 0,
      tls: undefined,
    });
    expect(
      redisConnectionOptions(redis({ REDIS_URL: 'rediss://app:p%40ss@cache.internal:6380/3' })),
    ).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'app',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
    expect(redisConnectionOptions(redis({ REDIS_SCHEME: 'tls' })).tls).toEqual({});
    expect(problems({ REDIS_SCHEME: 'ssl' })[0]).toMatch(/^REDIS_SCHEME:/);
    expect(problems({ REDIS_URL: 'cache:6379' })).toEqual([
      'REDIS_URL: not a redis:// or rediss:// URL',
    ]);
  });

  it('asks the sentinels for the master when REDIS_SENTINELS is set', () => {
    const config = redis({
      REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2 ,[::1]:26380',
      REDIS_SENTINEL_MASTER: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
      REDIS_PASSWORD: 'pw',
      REDIS_DB: '2',
      REDIS_SCHEME: 'tls',
    });
    expect(redisConnectionOptions(config)).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      sentinelPassword: 'sentinel-pw',
      username: undefined,
      password: 'pw',
      db: 2,
      tls: {},
      enableTLSForSentinelMode: true,
      failoverDetector: true,
    });
    expect(redisAddress(config)).toBe(
      'master "mymaster" of sentinels 10.0.0.1:26379,10.0.0.2:26379,::1:26380',
    );
  });

  it('refuses incomplete or contradictory Sentinel settings with the setting to fix', () => {
    expect(problems({ REDIS_SENTINELS: '10.0.0.1:26379' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_MASTER: .*required with REDIS_SENTINELS/),
    ]);
    expect(problems({ REDIS_SENTINEL_MASTER: 'mymaster' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_MASTER: set REDIS_SENTINELS too/),
    ]);
    expect(problems({ REDIS_SENTINELS: 'a:1:2', REDIS_SENTINEL_MASTER: 'm' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS: expected host:port/),
    ]);
    expect(problems({ REDIS_SENTINELS: 'a:70000', REDIS_SENTINEL_MASTER: 'm' })).toHaveLength(1);
    expect(
      problems({
        REDIS_SENTINELS: 'a:26379',
        REDIS_SENTINEL_MASTER: 'm',
        REDIS_URL: 'redis://b:6379',
      }),
    ).toEqual([expect.stringMatching(/^REDIS_URL: REDIS_SENTINELS and REDIS_URL exclude/)]);
  });

  it('connects to a Redis Cluster through its seed nodes, with the credentials and TLS on every node', () => {
    const config = redis({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001, redis-3',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'pw',
      REDIS_SCHEME: 'tls',
      REDIS_HOST: 'ignored',
    });
    expect(redisClusterOptions(config)).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-3', port: 6379 },
      ],
      redisOptions: { username: 'app', password: 'pw', tls: {} },
    });
    expect(redisAddress(config)).toBe('Redis Cluster of 10.0.0.1:7000,10.0.0.2:7001,redis-3:6379');
    expect(redisAddressSettings(config)).toBe('REDIS_CLUSTER_NODES');
    expect(redisClusterOptions(redis({ REDIS_HOST: 'cache' }))).toBeUndefined();
  });

  it('refuses Cluster settings that contradict another mode, a database other than 0, or malformed nodes', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'b:26379' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS: REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude/),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://b:6379' })).toEqual([
      expect.stringMatching(/^REDIS_URL: REDIS_CLUSTER_NODES and REDIS_URL exclude/),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_DB: '1' })).toEqual([
      expect.stringMatching(/^REDIS_DB: a Redis Cluster has only database 0/),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:7000:1' })).toEqual([
      expect.stringMatching(/^REDIS_CLUSTER_NODES: expected host:port/),
    ]);
  });

  it('uses the sharded adapter on a Cluster by default and refuses the classic one there', () => {
    expect(parseEnv(chatEnv, {}).adapter).toBe('classic');
    expect(parseEnv(chatEnv, { REDIS_CLUSTER_NODES: 'a:7000' }).adapter).toBe('sharded');
    expect(
      parseEnv(chatEnv, { REDIS_CLUSTER_NODES: 'a:7000', CHAT_REDIS_ADAPTER: 'sharded' }).adapter,
    ).toBe('sharded');
    expect(() =>
      parseEnv(chatEnv, { REDIS_CLUSTER_NODES: 'a:7000', CHAT_REDIS_ADAPTER: 'classic' }),
    ).toThrow(
      /CHAT_REDIS_ADAPTER: a Redis Cluster \(REDIS_CLUSTER_NODES\) needs the sharded adapter/,
    );
  });
});
