import express from 'express';
import { createServer } from 'node:http';
import { createNodeApp } from '@kelisim/api';
import type { ChatNode, StartedRoles } from '@kelisim/node';
import { createNodeGateway } from '@kelisim/realtime';
import { startNodeWorkers } from '@kelisim/worker';
import type { ServerConfig } from './config.js';
import { storageOrigins, webClient } from './web-client.js';

/**
 * Every role in one process: REST under /api, socket.io under /socket.io, the worker, and the
 * web client at /. Several of them on the same MySQL and Redis form a cluster.
 */
export async function startAllInOne(node: ChatNode, config: ServerConfig): Promise<StartedRoles> {
  const web = express();
  web.disable('x-powered-by');
  const httpServer = createServer(web);
  const { gateway, part: gatewayPart } = createNodeGateway(node, config, httpServer);
  if (config.server.webRoot) {
    web.use(
      webClient(config.server.webRoot, {
        connectSources: storageOrigins(config.storage),
        // File links live under STORAGE_BASE_URL's path (the seed's /storage/chat-files).
        backendPaths: node.fileLinks?.basePath ? [node.fileLinks.basePath] : [],
      }),
    );
  } else {
    web.get('/', (_req, res) => {
      res.type('html').send(landingPage);
    });
  }
  web.use(createNodeApp(node, config, gateway.ctx));

  await gateway.ready(); // Laravel broadcasts are subscribed before the node serves anyone
  const workers = await startNodeWorkers(node, config, gateway.ctx);
  return {
    httpServer,
    port: config.server.port,
    parts: [gatewayPart, workers],
    connectionGraceMs: 0,
    drainTimeoutMs: config.realtime.shutdownTimeoutMs,
    listening: { message: 'kelisim listening', fields: { web: config.server.webRoot ?? null } },
  };
}

/** Shown at / until a web client build is present (CHAT_WEB_ROOT, or apps/web/dist). */
const landingPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kelisim Chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Kelisim Chat is running</h1>
<ul>
<li>REST API: <code>/api</code> (<a href="/api/openapi.json">OpenAPI document</a>)</li>
<li>socket.io: <code>/socket.io</code></li>
<li>Health: <a href="/health/ready">/health/ready</a></li>
</ul>
</body></html>`;
