import type { RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerEventName, ServerEvents } from '@kelisim/contracts';
import type { Audience, EventPublisher } from '@kelisim/domain';

/** The Prometheus instruments every process shares; each process registers what it has. */
export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  eventsPublished: Counter<'event'>;
  fanoutDuration: Histogram<'event'>;
  dependencyErrors: Counter<'dependency'>;
}

export function createMetrics(labels: Record<string, string> = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    httpRequestDuration: histogram(
      'kelisim_http_request_duration_seconds',
      'HTTP request latency by method, route pattern and status.',
      ['method', 'route', 'status'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
    eventsPublished: counter(
      'kelisim_events_published_total',
      'Realtime events pushed by this process (new_message counts messages sent).',
      ['event'],
    ),
    fanoutDuration: histogram(
      'kelisim_fanout_duration_seconds',
      'From a committed change to its push: written to the sockets on this node and published to Redis for the others.',
      ['event'],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    ),
    dependencyErrors: counter(
      'kelisim_dependency_errors_total',
      'Connection errors reported by Redis or the database.',
      ['dependency'],
    ),
  };
}

/** Times every request; the route label is the matched pattern, never the raw URL (no ids). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpRequestDuration.startTimer();
    res.once('finish', () => {
      const pattern = (req.route as { path?: string } | undefined)?.path;
      const route = pattern ? `${req.baseUrl}${pattern}` : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

export function metricsRoute(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * /metrics on a public port: only with METRICS_TOKEN set, and then only to requests bearing it
 * (`Authorization: Bearer <token>`); without a token the route does not exist there.
 */
export function publicMetricsRoute(metrics: Metrics, token: string | undefined): RequestHandler {
  const serve = metricsRoute(metrics);
  const expected = token === undefined ? undefined : createHash('sha256').update(token).digest();
  return (req, res, next) => {
    if (!expected) {
      next();
      return;
    }
    const given = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res.status(401).json({ message: 'Unauthenticated.', code: 'unauthenticated' });
      return;
    }
    void serve(req, res, next);
  };
}

export interface MetricsServer {
  /** The port it listens on; undefined when it could not listen (the address is taken). */
  port: number | undefined;
  close(): Promise<void>;
}

/**
 * The metrics listener (METRICS_HOST:METRICS_PORT, loopback by default): GET /metrics only. An
 * address already taken (another node on this machine) leaves the node without one, with a warning.
 */
export async function startMetricsServer(
  metrics: Metrics,
  address: { host: string; port: number },
  logger: {
    info(fields: object, message: string): void;
    warn(fields: object, message: string): void;
  },
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Metrics failed\n'),
    );
  });
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('listening', () => resolve(true));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL') resolve(false);
      else reject(error);
    });
    server.listen(address.port, address.host);
  });
  if (!listening) {
    logger.warn(
      { host: address.host, port: address.port },
      'metrics address in use: /metrics is off on this node; give each node its own METRICS_PORT',
    );
    return { port: undefined, close: () => Promise.resolve() };
  }
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: address.host, port }, 'metrics listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Counts and times what a publisher pushes, by event name. Use cases publish as soon as their
 * transaction commits, so the time spent here is the commit-to-push latency of this node.
 */
export function instrumentedPublisher(publisher: EventPublisher, metrics: Metrics): EventPublisher {
  return {
    publish<E extends ServerEventName>(audience: Audience, event: E, payload: ServerEvents[E]) {
      const stop = metrics.fanoutDuration.startTimer({ event });
      publisher.publish(audience, event, payload);
      stop();
      metrics.eventsPublished.inc({ event });
    },
    joinChat: (userIds, chatId) => publisher.joinChat(userIds, chatId),
    leaveChat: (userIds, chatId) => publisher.leaveChat(userIds, chatId),
  };
}

/** `kelisim_sockets_connected`: live socket.io connections on this node, read on scrape. */
export function registerSocketGauge(metrics: Metrics, count: () => number): void {
  new Gauge({
    name: 'kelisim_sockets_connected',
    help: 'socket.io connections on this node.',
    registers: [metrics.registry],
    collect() {
      this.set(count());
    },
  });
}

/** `kelisim_handshakes_refused_total`: connections refused because too many were starting. */
export function registerHandshakeRefusals(metrics: Metrics): Counter {
  return new Counter({
    name: 'kelisim_handshakes_refused_total',
    help: 'Connections refused at once because this node was running its cap of handshakes (CHAT_HANDSHAKE_CONCURRENCY).',
    registers: [metrics.registry],
  });
}

/** The job states exported as `kelisim_queue_jobs{queue,state}`. */
export const queueStates = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

interface CountableQueue {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/** `kelisim_queue_jobs{queue,state}`: BullMQ queue depths, read from Redis on every scrape. */
export function registerQueueGauge(metrics: Metrics, queues: Record<string, CountableQueue>): void {
  new Gauge({
    name: 'kelisim_queue_jobs',
    help: 'Jobs per BullMQ queue and state, read from Redis on every scrape.',
    labelNames: ['queue', 'state'] as const,
    registers: [metrics.registry],
    async collect() {
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          const counts = await queue.getJobCounts(...queueStates);
          for (const state of queueStates) this.set({ queue: name, state }, counts[state] ?? 0);
        }),
      );
    },
  });
}

/** Counts and logs a connection's errors (ioredis emits them on every failed reconnect). */
export function watchConnectionErrors(
  connection: { on(event: 'error', listener: (error: Error) => void): unknown },
  dependency: string,
  metrics: Metrics,
  logger: { warn(fields: object, message: string): void },
): void {
  connection.on('error', (error) => {
    metrics.dependencyErrors.inc({ dependency });
    logger.warn({ err: error, dependency }, 'connection error');
  });
}
