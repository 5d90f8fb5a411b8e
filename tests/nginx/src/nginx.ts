import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const nginxDir = path.join(repoRoot, 'nginx');
export const templatesDir = path.join(nginxDir, 'templates');

/** The nginx binary: $NGINX_BIN, else on PATH or where Debian's nginx-light puts it. */
export function findNginx(): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const candidates = [
    process.env.NGINX_BIN,
    ...pathDirs.map((dir) => path.join(dir, 'nginx')),
    '/usr/sbin/nginx',
    '/usr/local/sbin/nginx',
    '/usr/local/nginx/sbin/nginx',
  ];
  return candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate));
}

const placeholder = /\$\{(KELISIM_[A-Z0-9_]+)\}/g;

/** The `${KELISIM_*}` names a template uses. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(placeholder)].map((match) => match[1]!))].sort();
}

/**
 * What the official nginx image does to /etc/nginx/templates/*.template with
 * NGINX_ENVSUBST_FILTER=^KELISIM_: `${KELISIM_*}` replaced, nginx's own `$variables` untouched.
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  if (/\$KELISIM_/.test(template)) {
    throw new Error(
      'write template variables as ${KELISIM_NAME}: envsubst would replace $KELISIM_',
    );
  }
  return template.replace(placeholder, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for ${name}`);
    return value;
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One line of the `kelisim_json` access log. */
export interface AccessLogEntry {
  time: string;
  remote_addr: string;
  request_id: string;
  method: string;
  uri: string;
  status: number;
  upstream: string;
  upstream_status: string;
  referer: string;
  user_agent: string;
}

export interface NginxOptions {
  binary: string;
  /** host:port of each API node. */
  apiServers: string[];
  /** host:port of each realtime node. */
  realtimeServers: string[];
  /** host:port behind the s3.localhost server (compose's MinIO); a closed port by default. */
  s3Server?: string;
  /** Origins the web client's CSP lets it fetch from besides its own (KELISIM_CONNECT_SRC). */
  connectSrc?: string;
  webRoot: string;
}

export interface NginxProcess {
  url: string;
  port: number;
  dir: string;
  accessLogPath: string;
  /** nginx's stderr (its error log), line by line. */
  stderr: string[];
  accessLogText(): Promise<string>;
  accessLog(): Promise<AccessLogEntry[]>;
  stop(): Promise<void>;
}

/**
 * The real nginx, in the foreground as a child process, serving the shipped templates rendered
 * for loopback nodes, on a free loopback port, with every path of its own in a temporary
 * directory.
 */
export async function startNginx(options: NginxOptions): Promise<NginxProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startNginxOnce(options, await freePort());
    } catch (error) {
      lastError = error;
      if (!String(error).includes('Address already in use')) break;
    }
  }
  throw lastError;
}

async function startNginxOnce(options: NginxOptions, port: number): Promise<NginxProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kelisim-nginx-'));
  // Workers drop to an unprivileged user when the master runs as root: they must reach here.
  await chmod(dir, 0o755);
  const accessLogPath = path.join(dir, 'access.log');
  const servers = (list: string[]) => list.map((server) => `server ${server};`).join(' ');
  const values = {
    KELISIM_LISTEN: `127.0.0.1:${port}`,
    KELISIM_API_SERVERS: servers(options.apiServers),
    KELISIM_REALTIME_SERVERS: servers(options.realtimeServers),
    KELISIM_S3_SERVER: options.s3Server ?? `127.0.0.1:${await freePort()}`,
    KELISIM_WEB_ROOT: options.webRoot,
    KELISIM_PLACEHOLDER_ROOT: path.join(nginxDir, 'html'),
    KELISIM_ACCESS_LOG: accessLogPath,
    KELISIM_CONNECT_SRC: options.connectSrc ?? '',
  };
  for (const name of ['kelisim', 's3']) {
    const template = await readFile(path.join(templatesDir, `${name}.conf.template`), 'utf8');
    await writeFile(path.join(dir, `${name}.conf`), renderTemplate(template, values));
  }
  const mimeTypes = '/etc/nginx/mime.types';
  const main = [
    'worker_processes 1;',
    'events { worker_connections 1024; }',
    'http {',
    existsSync(mimeTypes)
      ? `  include ${mimeTypes};`
      : '  types { text/html html; application/json json; }',
    '  default_type application/octet-stream;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (kind) => `  ${kind}_temp_path ${path.join(dir, `${kind}_temp`)};`,
    ),
    `  include ${path.join(dir, 'kelisim.conf')};`,
    `  include ${path.join(dir, 's3.conf')};`,
    '}',
    '',
  ].join('\n');
  const mainPath = path.join(dir, 'nginx.conf');
  await writeFile(mainPath, main);
  const globals = `daemon off; pid ${path.join(dir, 'nginx.pid')}; error_log stderr;`;
  const args = ['-p', dir, '-c', mainPath, '-g', globals];

  const check = spawnSync(options.binary, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`nginx -t failed:\n${check.stderr}`);
  }

  const child = spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let running = true;
  void exited.then(() => (running = false));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!running) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx exited at start:\n${stderr.join('\n')}`);
    }
    const ok = await fetch(`${url}/nginx-health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer on ${url}:\n${stderr.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const accessLogText = () => readFile(accessLogPath, 'utf8').catch(() => '');
  return {
    url,
    port,
    dir,
    accessLogPath,
    stderr,
    accessLogText,
    async accessLog() {
      const text = await accessLogText();
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as AccessLogEntry);
    },
    async stop() {
      if (running) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
