import type { Redis } from 'ioredis';
import { redisAddress, type RedisConfig } from '@kelisim/config';
import { connectOnce } from '@kelisim/redis';
import { fail, pass, type CheckResult } from '../report.js';
import { firstLine } from './database.js';

const name = 'Redis';

export type RedisProbe = { result: CheckResult; redis?: Redis };

/** Connects once and reads the server version. */
export async function probeRedis(config: RedisConfig): Promise<RedisProbe> {
  const where = redisAddress(config);
  let redis: Redis;
  try {
    redis = await connectOnce(config, 5_000);
  } catch (error) {
    return { result: describeRedisError(error, where, config) };
  }
  try {
    const info = await redis.info();
    const field = (key: string) => new RegExp(`^${key}:(\\S+)`, 'm').exec(info)?.[1];
    const version = field('redis_version') ?? 'unknown version';
    const at = config.sentinel
      ? `${redis.stream.remoteAddress}:${redis.stream.remotePort}, the ${where}, with ${field('connected_slaves') ?? 0} replica(s)`
      : where;
    return { redis, result: pass(name, `Redis ${version} at ${at}, db ${config.db}`) };
  } catch (error) {
    redis.disconnect();
    return { result: describeRedisError(error, where, config) };
  }
}

function describeRedisError(error: unknown, where: string, config: RedisConfig): CheckResult {
  const message = firstLine(error);
  const code = (error as { code?: string }).code ?? '';
  if (config.sentinel && /sentinels are unreachable/.test(message)) {
    return fail(
      name,
      `no sentinel answers (${where})`,
      'start the sentinels, or set REDIS_SENTINELS and REDIS_SENTINEL_MASTER to the ones Laravel uses',
    );
  }
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return fail(
      name,
      `nothing accepts connections at ${where} (ECONNREFUSED)`,
      config.sentinel
        ? 'start the sentinels, or set REDIS_SENTINELS and REDIS_SENTINEL_MASTER to the ones Laravel uses'
        : 'start Redis, or set REDIS_HOST and REDIS_PORT (or REDIS_URL) to the Redis Laravel uses',
    );
  }
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message)) {
    return fail(
      name,
      `${where} refused the credentials (${message})`,
      'check REDIS_USERNAME and REDIS_PASSWORD',
    );
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(message) || code === 'ENOTFOUND') {
    return fail(name, `host of ${where} not found`, 'check REDIS_HOST (or REDIS_URL)');
  }
  return fail(
    name,
    `cannot use ${where}: ${message}`,
    config.sentinel
      ? 'check REDIS_SENTINELS, REDIS_SENTINEL_MASTER (the name in sentinel.conf), REDIS_DB and the firewall'
      : 'check REDIS_HOST, REDIS_PORT, REDIS_DB and the firewall',
  );
}
