import { z } from 'zod';
import {
  databaseEnv,
  envInt,
  envString,
  jwtEnv,
  logEnv,
  parseEnvSections,
  redisEnv,
  type Env,
} from '@kelisim/config';

const apiEnv = z
  .object({
    PORT: envInt({ min: 0, max: 65535 }).default(8080),
    CHAT_MESSAGE_MAX_LENGTH: envInt({ min: 1, max: 100_000 }).default(10_000),
    CHAT_SEND_RATE_LIMIT: envInt({ min: 1 }).default(30),
    CHAT_SEND_RATE_WINDOW: envInt({ min: 1 }).default(10),
    CHAT_CORS_ORIGINS: envString().default('*'),
    CHAT_NODE_ID: envString().optional(),
  })
  .transform((env) => ({
    port: env.PORT,
    messageMaxLength: env.CHAT_MESSAGE_MAX_LENGTH,
    sendRateLimit: { points: env.CHAT_SEND_RATE_LIMIT, windowSeconds: env.CHAT_SEND_RATE_WINDOW },
    corsOrigins: env.CHAT_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    nodeId: env.CHAT_NODE_ID,
  }));

export function loadApiConfig(env: Env) {
  return parseEnvSections(
    { api: apiEnv, database: databaseEnv, redis: redisEnv, jwt: jwtEnv, log: logEnv },
    env,
  );
}

export type ApiConfig = ReturnType<typeof loadApiConfig>;
