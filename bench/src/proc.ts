import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
/** Log lines kept per process: enough to explain a failed start, bounded for long runs. */
const MAX_LOG_LINES = 2_000;

export interface BenchProcess {
  pid: number;
  /** The process's last log lines (stdout and stderr). */
  logs: string[];
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
  /** User + system CPU time the process has used so far, from /proc/<pid>/stat. */
  cpuSeconds(): Promise<number>;
  /** Resident set size now, from /proc/<pid>/status (VmRSS). */
  rssBytes(): Promise<number>;
  /**
   * The V8 heap in use right after a full collection, asked over the inspector: a steadier
   * measure of what the process holds than RSS. Only for processes spawned with `inspect`.
   */
  heapUsedAfterGc(): Promise<number>;
}

export function spawnProcess(options: {
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Opens the inspector on a free loopback port, for `heapUsedAfterGc`. */
  inspect?: boolean;
}): BenchProcess {
  const args = options.inspect ? ['--inspect=127.0.0.1:0', ...options.args] : options.args;
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
  };
  let inspectorUrl: string | undefined;
  createInterface({ input: child.stdout! }).on('line', keep);
  createInterface({ input: child.stderr! }).on('line', (line) => {
    inspectorUrl ??= /^Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
    keep(line);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.args.join(' ')}`);
  return {
    pid,
    logs,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    cpuSeconds: () => processCpuSeconds(pid),
    rssBytes: () => processRssBytes(pid),
    async heapUsedAfterGc() {
      if (!inspectorUrl) throw new Error(`process ${pid} has no inspector (spawn it with inspect)`);
      const [, usage] = await inspectorCalls(inspectorUrl, [
        'HeapProfiler.collectGarbage',
        'Runtime.getHeapUsage',
      ]);
      return (usage as { usedSize: number }).usedSize;
    },
  };
}

/** Calls Chrome DevTools Protocol methods one after the other; their results. */
async function inspectorCalls(url: string, methods: string[]): Promise<unknown[]> {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  try {
    const results: unknown[] = [];
    for (const [index, method] of methods.entries()) {
      const id = index + 1;
      const reply = new Promise<unknown>((resolve, reject) => {
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString('utf8')) as {
            id?: number;
            result?: unknown;
            error?: { message: string };
          };
          if (message.id !== id) return;
          ws.off('message', onMessage);
          if (message.error) reject(new Error(`${method}: ${message.error.message}`));
          else resolve(message.result);
        };
        ws.on('message', onMessage);
      });
      ws.send(JSON.stringify({ id, method }));
      results.push(await reply);
    }
    return results;
  } finally {
    ws.close();
  }
}

export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}

export async function processRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
export async function waitUntilReady(
  url: string,
  proc: BenchProcess,
  timeoutMs = 60_000,
): Promise<void> {
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`process exited with ${exitCode}:\n${proc.logs.slice(-40).join('\n')}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`not ready within ${timeoutMs} ms: ${url}\n${proc.logs.slice(-40).join('\n')}`);
}

/** SIGTERM, then SIGKILL after `graceMs` if the process is still there. */
export async function stopProcess(proc: BenchProcess, graceMs = 15_000): Promise<void> {
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
