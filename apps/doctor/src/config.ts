import { z } from 'zod';
import {
  ConfigError,
  databaseEnv,
  envOptionalString,
  jwtEnv,
  parseEnv,
  redisEnv,
  fileLinksEnv,
  storageEnv,
  type DatabaseConfig,
  type Env,
  type JwtConfig,
  type RedisConfig,
  type FileLinksConfig,
  type StorageConfig,
} from '@kelisim/config';

export interface BroadcastConfig {
  /** The channel prefix the gateways subscribe under (`<prefix>*`). */
  prefix: string;
  /** How it was found, for the report. */
  source: string;
}

/**
 * REDIS_PREFIX exactly as the gateways read it (apps/realtime's config): unset, empty or `null`
 * means no prefix. Laravel's own default when its .env has no REDIS_PREFIX is not empty
 * (`laravel_database_` in Laravel 11/12): the broadcast check shows which one Laravel really uses.
 */
export const broadcastEnv = z
  .object({ REDIS_PREFIX: envOptionalString() })
  .transform((env): BroadcastConfig =>
    env.REDIS_PREFIX === undefined
      ? { prefix: '', source: 'REDIS_PREFIX unset: no prefix' }
      : { prefix: env.REDIS_PREFIX, source: 'REDIS_PREFIX' },
  );

/** A section that parsed, or what is wrong with it: one bad section only stops its own checks. */
export type Section<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface DoctorConfig {
  database: Section<DatabaseConfig>;
  redis: Section<RedisConfig>;
  jwt: Section<JwtConfig>;
  storage: Section<StorageConfig>;
  fileLinks: Section<FileLinksConfig | undefined>;
  broadcast: BroadcastConfig;
}

export function loadDoctorConfig(env: Env): DoctorConfig {
  return {
    database: section(databaseEnv, env),
    redis: section(redisEnv, env),
    jwt: section(jwtEnv, env),
    storage: section(storageEnv, env),
    fileLinks: section(fileLinksEnv, env),
    broadcast: broadcastEnv.parse(env),
  };
}

function section<T extends z.ZodType>(schema: T, env: Env): Section<z.output<T>> {
  try {
    return { ok: true, value: parseEnv(schema, env) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, problems: error.problems };
    throw error;
  }
}
