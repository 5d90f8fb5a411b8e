import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testRedisConfig, testServerConfig } from '@kelisim/testing';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The environment of a fresh clone: nothing but where the local servers are, no `.env`. */
export function localServersEnv(
  database: string,
  storagePath: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const server = testServerConfig();
  const redis = testRedisConfig();
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_USERNAME: server.user,
    DB_PASSWORD: server.password,
    DB_DATABASE: database,
    REDIS_HOST: redis.host,
    REDIS_PORT: String(redis.port),
    CHAT_REDIS_KEY_PREFIX: redis.keyPrefix,
    CHAT_SOCKET_IO_KEY: `${redis.keyPrefix}socket.io`,
    STORAGE_PATH: storagePath,
    CHAT_UNREAD_RECONCILE_INTERVAL: '0',
    METRICS_PORT: '0',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface Serving {
  child: ChildProcess;
  /** The public port, from the `kelisim listening` line. */
  port: number;
  /** The loopback metrics port, once its `metrics listening` line was seen. */
  readonly metricsPort: number | undefined;
  /** Every line of stdout and stderr so far. */
  output: string[];
  exited: Promise<number | null>;
}

/** Runs `node scripts/start.mjs ...args` until it says it listens (rejects if it exits first). */
export async function startServing(args: string[], env: Record<string, string>): Promise<Serving> {
  const child = spawn(process.execPath, ['scripts/start.mjs', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  let metricsPort: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start:\n${output.join('\n')}`)), 90_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const entry = parse(line);
      if (entry?.msg === 'metrics listening') metricsPort = Number(entry.port);
      if (entry?.msg === 'kelisim listening') {
        clearTimeout(timer);
        resolve(Number(entry.port));
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code}:\n${output.join('\n')}`)));
  });
  return {
    child,
    port,
    get metricsPort() {
      return metricsPort;
    },
    output,
    exited,
  };
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** What a command printed, and how it exited. */
export interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** Runs `node ...args` to its exit (it must not start serving; killed after 90 s). */
export function runToExit(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
