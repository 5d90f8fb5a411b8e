import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { dotEnvPath, generateMissingJwtSecret, loadDotEnv } from '@kelisim/config';
import { assertDatabaseReachable } from '@kelisim/db';
import { runService } from '@kelisim/ops';
import { createLogger } from '@kelisim/logger';
import { assertRedisReachable } from '@kelisim/redis';
import { loadServerConfig } from './config.js';
import { startAllInOne } from './server.js';

async function main(): Promise<void> {
  loadDotEnv();
  const generatedIn = generateMissingJwtSecret(process.env, dotEnvPath());
  const config = loadServerConfig(process.env);
  const logger = createLogger(config.log, { service: 'server', nodeId: config.chat.nodeId });
  if (generatedIn) {
    logger.warn(
      { file: generatedIn },
      "Generated JWT_SECRET in .env; to accept Laravel's tokens, set JWT_SECRET to the value in Laravel's .env",
    );
  }
  await Promise.all([assertDatabaseReachable(config.database), assertRedisReachable(config.redis)]);
  const node = await startAllInOne(config, logger);
  node.httpServer.listen(config.server.port);
  await once(node.httpServer, 'listening');
  logger.info(
    { port: (node.httpServer.address() as AddressInfo).port, web: config.server.webRoot ?? null },
    'kelisim listening',
  );
  if (config.demo.enabled) logger.warn('demo mode: /api/demo hands out tokens for any user');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    setTimeout(
      () => {
        logger.error('shutdown timed out');
        process.exit(1);
      },
      config.chat.drainDelayMs + config.realtime.shutdownTimeoutMs + 15_000,
    ).unref();
    await node.stop();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

runService('kelisim', main);
