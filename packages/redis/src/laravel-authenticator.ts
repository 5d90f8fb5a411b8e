import {
  blacklistRedisConfig,
  createAuthenticator,
  createCredentialCheck,
  type Authenticate,
  type CacheReader,
  type CredentialCheck,
} from '@kelisim/auth';
import type { JwtConfig, RedisConfig } from '@kelisim/config';
import { createLiveCredentialStore, createSanctumTokenStore, type Db } from '@kelisim/db';
import type { Logger } from '@kelisim/logger';
import { createRedis, type RedisClient } from './connection.js';

/**
 * The token check of every process that serves clients: Laravel's JWTs (with jwt-auth's
 * blacklist read from Laravel's cache Redis when it is on) and Sanctum tokens. `close()` ends
 * the cache connection. `credentials` re-checks the tokens of live connections in batches.
 */
export function createLaravelAuthenticator(
  config: { jwt: JwtConfig; redis: RedisConfig },
  db: Db,
  logger: Logger,
): { verifyToken: Authenticate; credentials: CredentialCheck; close(): Promise<void> } {
  const laravelCache = config.jwt.blacklist?.enabled
    ? createRedis(blacklistRedisConfig(config.redis, config.jwt.blacklist))
    : undefined;
  laravelCache?.on('error', (error) => logger.warn({ err: error }, 'laravel cache redis error'));
  const cacheReader = laravelCache && cacheReaderOf(laravelCache);
  if (config.jwt.secretWarning) {
    logger.warn(
      { setting: 'JWT_SECRET', problem: config.jwt.secretWarning },
      'JWT_SECRET is unsafe (anyone who knows or guesses it can sign tokens); APP_ENV=production refuses it',
    );
  }
  return {
    verifyToken: createAuthenticator(config.jwt, {
      laravelCache: cacheReader,
      sanctumTokens: createSanctumTokenStore(db),
    }),
    credentials: createCredentialCheck(config.jwt, {
      laravelCache: cacheReader,
      store: createLiveCredentialStore(db),
    }),
    async close() {
      await laravelCache?.quit();
    },
  };
}

/**
 * Reads many cache keys at once: one MGET on a server; on a Cluster, where MGET's keys must share
 * a slot and blacklist keys do not, one GET per key, all sent at once.
 */
function cacheReaderOf(cache: RedisClient): CacheReader {
  if (!('nodes' in cache)) return cache;
  return {
    get: (key) => cache.get(key),
    mget: (keys) => Promise.all(keys.map((key) => cache.get(key))),
  };
}
