import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  demoEnv,
  type Env,
  envInt,
  envOptionalString,
  jwtEnv,
  metricsEnv,
  parseEnvSections,
  presenceEnv,
  storageEnv,
} from '@kelisim/config';
import { nodeEnvSections } from '@kelisim/node';
import { realtimeEnv } from '@kelisim/realtime';
import { workerEnv } from '@kelisim/worker';

const defaultWebRoot = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The all-in-one node: REST, socket.io and the web client on one port (the Go service's 8080). */
const serverEnv = z
  .object({
    PORT: envInt({ min: 0, max: 65535, default: 8080 }),
    CHAT_WEB_ROOT: envOptionalString(),
  })
  .transform((env) => {
    const webRoot = env.CHAT_WEB_ROOT ?? defaultWebRoot;
    const built = existsSync(path.join(webRoot, 'index.html'));
    return { port: env.PORT, webRoot: built ? webRoot : undefined };
  });

/** Every setting the all-in-one node reads, by section (every role's settings). */
export const serverEnvSections = {
  ...nodeEnvSections,
  server: serverEnv,
  realtime: realtimeEnv,
  worker: workerEnv,
  presence: presenceEnv,
  demo: demoEnv,
  jwt: jwtEnv,
  metrics: metricsEnv,
  storage: storageEnv,
};

export function loadServerConfig(env: Env) {
  return parseEnvSections(serverEnvSections, env);
}

export type ServerConfig = ReturnType<typeof loadServerConfig>;
