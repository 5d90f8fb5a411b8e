import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDotEnv, type Env, type LogConfig } from '@kelisim/config';
import { assertDatabaseReachable } from '@kelisim/db';
import { createLogger } from '@kelisim/logger';
import { runService } from '@kelisim/ops';
import { assertRedisReachable } from '@kelisim/redis';
import {
  closeHttpServer,
  composeNode,
  type ChatNode,
  type NodeConfig,
  type SocketRole,
} from './compose-node.js';

/** A part a role starts (the gateway, the REST app, the workers), in shutdown order. */
export interface RolePart {
  /** Stops taking new work and finishes, or hands to other nodes, what it has. */
  drain(): Promise<void>;
  /** Releases what the drain left open, after the HTTP server closed. */
  close?(): Promise<void>;
}

export interface StartedRoles {
  httpServer: HttpServer;
  port: number;
  parts: RolePart[];
  /** How long in-flight HTTP requests may take after the drain; 0 cuts them at once. */
  connectionGraceMs: number;
  /** Upper bound of the drain beyond CHAT_DRAIN_DELAY, for the forced exit. */
  drainTimeoutMs: number;
  /** The "listening" log line. */
  listening: { message: string; fields?: object };
}

export interface NodeSpec<C extends NodeConfig> {
  service: string;
  loadConfig(env: Env): C;
  sockets: SocketRole;
  start(node: ChatNode, config: C): Promise<StartedRoles>;
}

/**
 * Every process's life: settings, one sentence if MySQL or Redis is unreachable, the node's
 * shared resources, its roles, then on SIGTERM/SIGINT one shutdown sequence (not ready, drain
 * the roles, close HTTP, close the roles and the shared resources, exit; forced exit if stuck).
 */
export function runNode<C extends NodeConfig & { log: LogConfig }>(spec: NodeSpec<C>): void {
  runService(spec.service, async () => {
    loadDotEnv();
    const config = spec.loadConfig(process.env);
    const logger = createLogger(config.log, { service: spec.service, nodeId: config.chat.nodeId });
    await Promise.all([
      assertDatabaseReachable(config.database),
      assertRedisReachable(config.redis),
    ]);
    const node = composeNode(config, { service: spec.service, sockets: spec.sockets, logger });
    const roles = await spec.start(node, config);
    await node.startMetrics();
    roles.httpServer.listen(roles.port);
    await once(roles.httpServer, 'listening');
    const { port } = roles.httpServer.address() as AddressInfo;
    logger.info({ port, ...roles.listening.fields }, roles.listening.message);

    const shutdown = async (signal: string) => {
      if (node.isDraining()) return;
      node.startDraining();
      logger.info({ signal, delayMs: config.chat.drainDelayMs }, 'draining');
      setTimeout(
        () => {
          logger.error('shutdown timed out');
          logger.flush();
          process.exit(1);
        },
        config.chat.drainDelayMs + roles.drainTimeoutMs + 15_000,
      ).unref();
      for (const part of roles.parts) await part.drain();
      await closeHttpServer(roles.httpServer, roles.connectionGraceMs);
      for (const part of roles.parts) await part.close?.();
      await node.close();
      logger.info('stopped');
      // Lingering timers (socket.io's polling timeouts, pools) must not keep a stopped node alive.
      logger.flush();
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });
}
