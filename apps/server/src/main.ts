import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { loadDotEnv } from '@kelisim/config';
import { runService } from '@kelisim/ops';
import { createLogger } from '@kelisim/logger';
import { loadServerConfig } from './config.js';
import { startAllInOne } from './server.js';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadServerConfig(process.env);
  const logger = createLogger(config.log, { service: 'server', nodeId: config.chat.nodeId });
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
