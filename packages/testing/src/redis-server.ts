import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/** A throwaway `redis-server` of a test's own, which the test may kill and start again. */
export interface RedisServer {
  port: number;
  /** Every line the server printed, across restarts. */
  logs: string[];
  /** SIGKILL, as a crash would: no save, no goodbye to clients. Resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** SIGSTOP freezes the running server as a network partition would; SIGCONT wakes it. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
}

/**
 * What to run besides the port: plain server flags, or a config file of the test's own (a
 * sentinel rewrites its file). `readyLine` is what the process prints once it serves.
 */
export interface RedisServerOptions {
  args?: string[];
  configFile?: (port: number) => Promise<string>;
  readyLine?: string;
  /**
   * What runs instead of redis-server itself, given the flags: an entrypoint that ends in
   * `exec redis-server "$@"`, say, with the `env` it reads.
   */
  program?: string[];
  env?: Record<string, string>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const configFile = await options.configFile?.(port);
  const args = [
    ...(configFile ? [configFile] : []),
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...(options.args ?? []),
  ];
  const readyLine = options.readyLine ?? 'Ready to accept connections';
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    logs,
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
    async start() {
      if (child) throw new Error('redis-server is already running');
      child = await launch(options, args, port, readyLine, logs);
    },
    signal(signal) {
      child?.kill(signal);
    },
  };
  await server.start();
  return server;
}

function launch(
  { program = ['/usr/bin/redis-server'], env }: RedisServerOptions,
  args: string[],
  port: number,
  readyLine: string,
  logs: string[],
): Promise<ChildProcess> {
  const child = spawn(program[0]!, [...program.slice(1), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env && { PATH: process.env.PATH, ...env },
  });
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${port} ${reason}:\n${logs.join('\n')}`));
    };
    const timer = setTimeout(() => fail('did not start'), 10_000);
    child.once('exit', (code) => fail(`exited with ${code}`));
    createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      if (line.includes(readyLine)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(child);
      }
    });
  });
}

/** A port nothing listens on now (the OS picks it). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
