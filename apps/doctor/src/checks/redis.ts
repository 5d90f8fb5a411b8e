import type { Redis } from 'ioredis';
import type { RedisConfig } from '@kelisim/config';
import { connectOnce } from '@kelisim/redis';
import { fail, pass, type CheckResult } from '../report.js';
import { firstLine } from './database.js';

const name = 'Redis';

export type RedisProbe = { result: CheckResult; redis?: Redis };

/** Connects once and reads the server version. */
export async function probeRedis(config: RedisConfig): Promise<RedisProbe> {
  const where = config.url ? redactUrl(config.url) : `${config.host}:${config.port}`;
  let redis: Redis;
  try {
    redis = await connectOnce(config, 5_000);
  } catch (error) {
    return { result: describeRedisError(error, where) };
  }
  try {
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown version';
    return { redis, result: pass(name, `Redis ${version} at ${where}, db ${config.db}`) };
  } catch (error) {
    redis.disconnect();
    return { result: describeRedisError(error, where) };
  }
}

function describeRedisError(error: unknown, where: string): CheckResult {
  const message = firstLine(error);
  const code = (error as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return fail(
      name,
      `nothing accepts connections at ${where} (ECONNREFUSED)`,
      'start Redis, or set REDIS_HOST and REDIS_PORT (or REDIS_URL) to the Redis Laravel uses',
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
    'check REDIS_HOST, REDIS_PORT, REDIS_DB and the firewall',
  );
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'REDIS_URL';
  }
}
