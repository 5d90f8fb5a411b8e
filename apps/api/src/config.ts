import { z } from 'zod';
import {
  demoEnv,
  type Env,
  envInt,
  jwtEnv,
  metricsEnv,
  parseEnvSections,
  storageEnv,
} from '@kelisim/config';
import { nodeEnvSections } from '@kelisim/node';

const apiEnv = z
  .object({ PORT: envInt({ min: 0, max: 65535, default: 8080 }) })
  .transform((env) => ({ port: env.PORT }));

export function loadApiConfig(env: Env) {
  return parseEnvSections(
    {
      ...nodeEnvSections,
      api: apiEnv,
      demo: demoEnv,
      jwt: jwtEnv,
      metrics: metricsEnv,
      storage: storageEnv,
    },
    env,
  );
}

export type ApiConfig = ReturnType<typeof loadApiConfig>;
