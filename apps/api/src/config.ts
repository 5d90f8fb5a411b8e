import { z } from 'zod';
import {
  chatEnv,
  databaseEnv,
  demoEnv,
  envInt,
  jwtEnv,
  logEnv,
  metricsEnv,
  parseEnvSections,
  redisEnv,
  storageEnv,
  type Env,
} from '@kelisim/config';
import { webhookEnv } from '@kelisim/jobs';

const apiEnv = z
  .object({ PORT: envInt({ min: 0, max: 65535, default: 8080 }) })
  .transform((env) => ({ port: env.PORT }));

export function loadApiConfig(env: Env) {
  return parseEnvSections(
    {
      api: apiEnv,
      chat: chatEnv,
      database: databaseEnv,
      demo: demoEnv,
      redis: redisEnv,
      jwt: jwtEnv,
      log: logEnv,
      metrics: metricsEnv,
      storage: storageEnv,
      webhooks: webhookEnv,
    },
    env,
  );
}

export type ApiConfig = ReturnType<typeof loadApiConfig>;
