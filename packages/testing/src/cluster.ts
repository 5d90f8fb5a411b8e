import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { DatabaseConfig, RedisConfig } from '@kelisim/config';
import type { ClientToServerEvents, ServerEvents, ServerToClientEvents } from '@kelisim/contracts';
import { testJwtConfig, tokenFor } from './fixtures.js';

const realtimeDir = fileURLToPath(new URL('../../../apps/realtime/', import.meta.url));

export interface GatewayProcess {
  port: number;
  url: string;
  /** Its /metrics, on the loopback metrics listener (METRICS_PORT=0: a free port of its own). */
  metricsUrl: string;
  /** Every log line the node printed (pino JSON). */
  logs: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** The environment of a gateway node of one test cluster: its database, its Redis namespace. */
export function clusterEnv(options: {
  database: DatabaseConfig;
  redis: RedisConfig;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    DB_HOST: options.database.host,
    DB_PORT: String(options.database.port),
    DB_DATABASE: options.database.database,
    DB_USERNAME: options.database.user,
    DB_PASSWORD: options.database.password,
    REDIS_HOST: options.redis.host,
    REDIS_PORT: String(options.redis.port),
    CHAT_REDIS_KEY_PREFIX: options.redis.keyPrefix,
    CHAT_SOCKET_IO_KEY: `${options.redis.keyPrefix}socket.io`,
    JWT_SECRET: testJwtConfig.secret,
    JWT_ALGO: testJwtConfig.algorithm,
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    ...options.extra,
  };
}

const serverDir = fileURLToPath(new URL('../../../apps/server/', import.meta.url));

/** Starts `apps/realtime` as its own process on a free port, as an operator would run it. */
export function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  return startNodeProcess({
    cwd: realtimeDir,
    env: { REALTIME_PORT: '0', ...env },
    listeningMessage: 'realtime listening',
  });
}

/**
 * Starts an all-in-one node (`apps/server`: REST, socket.io, worker, web client) as its own
 * process, on a free port unless `PORT` is given, as `pnpm start` runs it.
 */
export function startServerNode(env: Record<string, string>): Promise<GatewayProcess> {
  return startNodeProcess({
    cwd: serverDir,
    env: { PORT: '0', CHAT_UNREAD_RECONCILE_INTERVAL: '0', ...env },
    listeningMessage: 'kelisim listening',
  });
}

async function startNodeProcess(options: {
  cwd: string;
  env: Record<string, string>;
  listeningMessage: string;
}): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/nonexistent', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let metricsPort: unknown;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start:\n${logs.join('\n')}`));
    }, 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      logs.push(line);
      const entry = parseLog(line);
      if (entry?.msg === 'metrics listening') metricsPort = entry.port;
      if (entry?.msg === options.listeningMessage) {
        clearTimeout(timer);
        resolve(Number(entry.port));
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${String(metricsPort)}/metrics`,
    logs,
    exited,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}

function parseLog(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A socket.io client typed with the contract's event maps. */
export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ClientOptions {
  token?: string;
  transports?: ('websocket' | 'polling')[];
  reconnection?: boolean;
  extraHeaders?: Record<string, string>;
}

/** A real socket.io client for a user, connected (or rejected) before this resolves. */
export async function connectClient(
  url: string,
  userId: number,
  options: ClientOptions = {},
): Promise<ChatClient> {
  const socket: ChatClient = connectSocket(url, {
    auth: { token: options.token ?? tokenFor(userId) },
    transports: options.transports ?? ['websocket'],
    reconnection: options.reconnection ?? false,
    forceNew: true,
    extraHeaders: options.extraHeaders,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** Everything a socket receives of one event, in order. */
export function record<E extends keyof ServerEvents>(
  socket: ChatClient,
  event: E,
): ServerEvents[E][] {
  const received: ServerEvents[E][] = [];
  untyped(socket).on(event, (payload) => received.push(payload as ServerEvents[E]));
  return received;
}

export function waitFor<E extends keyof ServerEvents>(
  client: ChatClient,
  event: E,
  matches: (payload: ServerEvents[E]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ServerEvents[E]> {
  const socket = untyped(client);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (received: unknown) => {
      const payload = received as ServerEvents[E];
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Generic event names defeat socket.io-client's typed listeners; these helpers check payloads themselves. */
function untyped(client: ChatClient) {
  return client as unknown as {
    on(event: string, listener: (payload: unknown) => void): void;
    off(event: string, listener: (payload: unknown) => void): void;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
