import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { runNode } from '@kelisim/node';
import { loadApiConfig } from './config.js';
import { createNodeApp } from './node-app.js';

runNode({
  service: 'api',
  loadConfig: loadApiConfig,
  sockets: 'publisher',
  start: (node, config) =>
    Promise.resolve({
      httpServer: createServer(createNodeApp(node, config, node.domain())),
      port: config.api.port,
      // Not ready, but still serving, until a load balancer polling readiness has moved away.
      parts: [{ drain: () => sleep(config.chat.drainDelayMs) }],
      connectionGraceMs: 10_000,
      drainTimeoutMs: 10_000,
      listening: { message: 'api listening' },
    }),
});
