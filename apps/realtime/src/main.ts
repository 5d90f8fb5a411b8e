import express from 'express';
import { createServer } from 'node:http';
import { runNode } from '@kelisim/node';
import { healthRoutes, httpMetrics, publicMetricsRoute } from '@kelisim/ops';
import { loadRealtimeConfig } from './config.js';
import { createNodeGateway } from './gateway.js';

runNode({
  service: 'realtime',
  loadConfig: loadRealtimeConfig,
  sockets: 'adapter',
  async start(node, config) {
    const app = express();
    const httpServer = createServer(app);
    const { gateway, part } = createNodeGateway(node, config, httpServer);
    app.use(httpMetrics(node.metrics));
    app.get('/metrics', publicMetricsRoute(node.metrics, config.metrics.token));
    app.use(healthRoutes(node.healthChecks, node.isDraining));
    await gateway.ready();
    return {
      httpServer,
      port: config.realtime.port,
      parts: [part],
      connectionGraceMs: 0,
      drainTimeoutMs: config.realtime.shutdownTimeoutMs,
      listening: { message: 'realtime listening' },
    };
  },
});
