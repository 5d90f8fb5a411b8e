import { blacklistRedisConfig, createAuthenticator, type Authenticate } from '@kelisim/auth';
import type { JwtConfig, RedisConfig } from '@kelisim/config';
import { createSanctumTokenStore, type Db } from '@kelisim/db';
import type { Logger } from '@kelisim/logger';
import { createRedis } from './connection.js';

/**
 * The token check of every process that serves clients: Laravel's JWTs (with jwt-auth's
 * blacklist read from Laravel's cache Redis when it is on) and Sanctum tokens. `close()` ends
 * the cache connection.
 */
export function createLaravelAuthenticator(
  config: { jwt: JwtConfig; redis: RedisConfig },
  db: Db,
  logger: Logger,
): { verifyToken: Authenticate; close(): Promise<void> } {
  const laravelCache = config.jwt.blacklist?.enabled
    ? createRedis(blacklistRedisConfig(config.redis, config.jwt.blacklist))
    : undefined;
  laravelCache?.on('error', (error) => logger.warn({ err: error }, 'laravel cache redis error'));
  return {
    verifyToken: createAuthenticator(config.jwt, {
      laravelCache,
      sanctumTokens: createSanctumTokenStore(db),
    }),
    async close() {
      await laravelCache?.quit();
    },
  };
}
