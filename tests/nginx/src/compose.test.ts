import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type CollectionTag, type YAMLMap } from 'yaml';
import { redisEnv } from '@kelisim/config';
import { createRedis, type RedisClient } from '@kelisim/redis';
import { freePort, startRedisServer, type RedisServer } from '@kelisim/testing';
import { repoRoot, templateVariables, templatesDir } from './nginx.js';

interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
}

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  restart?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  env_file?: { path: string; required: boolean }[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  networks?: Record<string, { aliases?: string[] } | null>;
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
}

/** Marks a `!override` mapping (compose 2.24.4+: replaces the base file's value, never merges). */
const OVERRIDE = '!override';
const overrideTag: CollectionTag = {
  tag: OVERRIDE,
  collection: 'map',
  resolve: (map) => {
    (map as YAMLMap).set(OVERRIDE, true);
    return map;
  },
};

/** A compose file as compose reads it: `<<` merge keys resolved, `!override` marked. */
async function readCompose(file: string) {
  const text = await readFile(path.join(repoRoot, file), 'utf8');
  return { text, compose: parse(text, { merge: true, customTags: [overrideTag] }) as ComposeFile };
}

/**
 * What `docker compose -f base -f overlay` runs: services merged key by key, environment and
 * depends_on merged by name unless marked `!override`, services with a profile left out.
 */
function overlay(base: ComposeFile, top: ComposeFile): ComposeFile {
  const merged: Record<string, Service> = { ...base.services };
  for (const [name, service] of Object.entries(top.services)) {
    const under = merged[name] ?? {};
    const { [OVERRIDE]: replaces, ...dependencies } = (service.depends_on ?? {}) as Record<
      string,
      unknown
    >;
    merged[name] = {
      ...under,
      ...service,
      environment: { ...under.environment, ...service.environment },
      depends_on: (replaces
        ? dependencies
        : { ...under.depends_on, ...dependencies }) as Service['depends_on'],
    };
  }
  return {
    services: Object.fromEntries(Object.entries(merged).filter(([, s]) => !s.profiles?.length)),
  };
}

const stacks = {
  'docker-compose.yml': {
    files: ['docker-compose.yml'],
    redis: ['redis'],
  },
  'docker-compose.yml + docker-compose.redis-cluster.yml': {
    files: ['docker-compose.yml', 'docker-compose.redis-cluster.yml'],
    redis: [1, 2, 3, 4, 5, 6].map((n) => `redis-cluster-${n}`),
  },
};

let compose: ComposeFile;
let clusterOverlay: ComposeFile;

beforeAll(async () => {
  compose = (await readCompose('docker-compose.yml')).compose;
  clusterOverlay = (await readCompose('docker-compose.redis-cluster.yml')).compose;
});

/** A job that runs once and exits: others wait for it to complete, not to be healthy. */
const isOneShot = (service: Service) => service.restart === 'no';

/** What compose makes of `$$` in a value: the container sees a single `$`. */
const unescape = (value: string) => value.replaceAll('$$', '$');

describe.each(Object.entries(stacks))('%s', (_title, stack) => {
  let composeText: string;
  let compose: ComposeFile;
  let services: [string, Service][];

  beforeAll(async () => {
    const files = await Promise.all(stack.files.map(readCompose));
    composeText = files.map((file) => file.text).join('\n');
    compose = files.map((file) => file.compose).reduce(overlay);
    services = Object.entries(compose.services);
  });

  /** The service the nodes wait for before they use Redis. */
  const redisReady = stack.redis.length > 1 ? 'redis-cluster-create' : 'redis';

  it('gives every service a health check, and every long-running service a real one', () => {
    expect(services.length).toBeGreaterThan(8);
    for (const [name, service] of services) {
      expect(service.healthcheck, `${name} has no healthcheck`).toBeDefined();
      if (isOneShot(service)) {
        expect(service.healthcheck, `${name} is a job: nothing to probe`).toEqual({
          disable: true,
        });
      } else {
        expect(service.healthcheck?.disable, name).toBeUndefined();
        expect(service.healthcheck?.test, `${name} has no healthcheck test`).toBeDefined();
        expect(service.restart, name).toBe('unless-stopped');
      }
    }
  });

  it('starts in order: every dependency waits for health, or for a job to succeed', () => {
    const byName = new Map(services);
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = byName.get(dependency);
        expect(target, `${name} depends on unknown ${dependency}`).toBeDefined();
        expect(condition, `${name} → ${dependency}`).toBe(
          isOneShot(target!) ? 'service_completed_successfully' : 'service_healthy',
        );
      }
    }
    // No cycles: a topological order exists.
    const done = new Set<string>();
    while (done.size < services.length) {
      const ready = services.filter(
        ([name, service]) =>
          !done.has(name) && Object.keys(service.depends_on ?? {}).every((d) => done.has(d)),
      );
      expect(ready.length, 'depends_on has a cycle').toBeGreaterThan(0);
      for (const [name] of ready) done.add(name);
    }
    const nodes = services.filter(([name]) => /^(api|realtime)-\d+$|^worker$/.test(name));
    expect(nodes.map(([name]) => name).sort()).toEqual([
      'api-1',
      'api-2',
      'realtime-1',
      'realtime-2',
      'worker',
    ]);
    for (const [name, service] of nodes) {
      expect(Object.keys(service.depends_on ?? {}), name).toEqual(
        expect.arrayContaining(['mariadb', redisReady, 'migrate']),
      );
    }
    expect(Object.keys(compose.services.nginx!.depends_on ?? {})).toEqual(
      expect.arrayContaining(['api-1', 'api-2', 'realtime-1', 'realtime-2']),
    );
  });

  it('builds the nodes and the migration from the Dockerfile targets', async () => {
    const dockerfile = await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    for (const [name, service] of services) {
      if (!service.build) continue;
      expect(service.build.context, name).toBe('.');
      expect(stages, `${name}'s target`).toContain(service.build.target);
      expect(service.image, name).toMatch(/^kelisim\//);
    }
    expect(compose.services.migrate!.build?.target).toBe('migrate');
  });

  it('puts every node behind nginx, with the ports they listen on', () => {
    const env = compose.services.nginx!.environment!;
    const listed = (value: unknown) =>
      [...String(value).matchAll(/server\s+([\w.-]+:\d+)/g)].map((m) => m[1]).sort();
    const nodes = (prefix: string, portVar: string) =>
      services
        .filter(([name]) => name.startsWith(`${prefix}-`))
        .map(([name, service]) => `${name}:${String(service.environment?.[portVar])}`)
        .sort();
    expect(listed(env.KELISIM_API_SERVERS)).toEqual(nodes('api', 'PORT'));
    expect(listed(env.KELISIM_REALTIME_SERVERS)).toEqual(nodes('realtime', 'REALTIME_PORT'));
  });

  it('has the operator set MinIO credentials (no default anyone could look up)', () => {
    const required = (name: string) => new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`);
    for (const service of ['minio', 'createbucket']) {
      const env = compose.services[service]!.environment!;
      expect(String(env.MINIO_ROOT_USER), service).toMatch(required('MINIO_ROOT_USER'));
      expect(String(env.MINIO_ROOT_PASSWORD), service).toMatch(required('MINIO_ROOT_PASSWORD'));
    }
    for (const node of ['api-1', 'api-2', 'realtime-1', 'realtime-2', 'worker', 'migrate']) {
      const env = compose.services[node]!.environment!;
      expect(String(env.AWS_ACCESS_KEY_ID), node).toMatch(required('MINIO_ROOT_USER'));
      expect(String(env.AWS_SECRET_ACCESS_KEY), node).toMatch(required('MINIO_ROOT_PASSWORD'));
    }
    expect(composeText).not.toMatch(
      /\$\{(?:MINIO_ROOT_\w+|AWS_(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY)):?-/,
    );
  });

  it('keeps S3 and metrics off the public port: nodes reach MinIO directly, presign for nginx', () => {
    const env = compose.services['api-1']!.environment!;
    expect(env.AWS_ENDPOINT).toBe('http://minio:9000');
    expect(env.CHAT_S3_PUBLIC_ENDPOINT).toBe('http://s3.localhost:${NGINX_PORT:-8080}');
    expect(compose.services.nginx!.environment!.KELISIM_CONNECT_SRC).toBe(
      env.CHAT_S3_PUBLIC_ENDPOINT,
    );
    // Metrics listen inside the stack's network for a Prometheus there; no node publishes a port.
    expect(env.METRICS_HOST).toBe('0.0.0.0');
    for (const [name, service] of services) {
      if (name !== 'nginx') expect((service as { ports?: unknown }).ports, name).toBeUndefined();
    }
  });

  it('gives the nginx templates every variable they use, and only through the envsubst filter', async () => {
    const env = compose.services.nginx!.environment!;
    const filter = new RegExp(String(env.NGINX_ENVSUBST_FILTER));
    for (const name of ['kelisim', 's3']) {
      const template = await readFile(path.join(templatesDir, `${name}.conf.template`), 'utf8');
      const variables = templateVariables(template);
      expect(variables.length).toBeGreaterThan(0);
      for (const variable of variables) {
        expect(env[variable], `${name}.conf.template needs ${variable}`).toBeDefined();
        expect(variable).toMatch(filter);
      }
      // nginx's own variables must not look like environment variables the image would replace.
      expect(template).not.toMatch(/\$\{?(PATH|HOME|HOSTNAME|NGINX_[A-Z_]+)\b/);
    }
  });

  it('speaks Laravel .env names to the nodes: DB_*, REDIS_*, JWT_SECRET, AWS_* on MinIO', () => {
    const env = compose.services['api-1']!.environment!;
    for (const name of [
      'DB_HOST',
      'DB_PORT',
      'DB_DATABASE',
      'DB_USERNAME',
      'DB_PASSWORD',
      'REDIS_HOST',
      'REDIS_PORT',
      'REDIS_PASSWORD',
      'JWT_SECRET',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_DEFAULT_REGION',
      'AWS_BUCKET',
      'AWS_ENDPOINT',
    ]) {
      expect(env[name], name).toBeDefined();
    }
    // Any other setting of `.env` reaches the nodes too; URLs that would bypass the stack don't.
    for (const name of ['api-1', 'api-2', 'realtime-1', 'realtime-2', 'worker', 'migrate']) {
      expect(compose.services[name]!.env_file, name).toEqual([{ path: '.env', required: false }]);
    }
    expect(env.DATABASE_URL).toBe('');
    expect(env.REDIS_URL).toBe('');
    expect(env.FILESYSTEM_DISK).toBe('s3');
    expect(env.AWS_USE_PATH_STYLE_ENDPOINT).toBe('true');
    expect(env.DB_HOST).toBe('mariadb');
    for (const [name, service] of services) {
      if (service.image?.startsWith('${REDIS_IMAGE') && service.restart !== 'no') {
        expect(stack.redis, `${name}: a Redis server outside the stack's topology`).toContain(name);
      }
    }
    if (stack.redis.length > 1) {
      expect(env.REDIS_CLUSTER_NODES).toBe(stack.redis.map((name) => `${name}:6379`).join(','));
      expect(env.REDIS_SENTINELS).toBe('');
      expect(env.REDIS_DB).toBe('0');
    } else {
      expect(env.REDIS_HOST).toBe('redis');
      expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
    }
    expect(compose.services.mariadb!.command).toEqual(
      expect.arrayContaining([
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
      ]),
    );
  });

  it('documents in env.example every variable it reads from .env', async () => {
    const example = await readFile(path.join(repoRoot, 'env.example'), 'utf8');
    const documented = new Set(
      [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]),
    );
    const interpolated = new Set(
      [...composeText.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!),
    );
    expect(interpolated.size).toBeGreaterThan(10);
    const undocumented = [...interpolated].filter((name) => !documented.has(name));
    expect(undocumented).toEqual([]);
  });

  it('validates with `docker compose config` where the compose CLI exists', (context) => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.status !== 0) {
      console.warn(
        'docker compose config skipped: the docker compose CLI is not installed here ' +
          `(${(version.error?.message ?? version.stderr).trim()})`,
      );
      context.skip();
      return;
    }
    const files = stack.files.flatMap((file) => ['-f', path.join(repoRoot, file)]);
    const result = spawnSync('docker', ['compose', ...files, 'config', '-q'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        JWT_SECRET: 'compose-config-check',
        MINIO_ROOT_USER: 'compose-config-check',
        MINIO_ROOT_PASSWORD: 'compose-config-check',
      },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the entrypoints docker-compose.yml wraps around the images', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kelisim-compose-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a service's `sh -c` entrypoint + command with a stand-in for the image's program. */
  async function runEntrypoint(service: Service, program: string, env: Record<string, string>) {
    const [shell, flag, script, argv0] = service.entrypoint!;
    expect([shell, flag]).toEqual(['sh', '-c']);
    // The stand-in prints its arguments and the variables the image would read.
    const stub = path.join(dir, program);
    await writeFile(stub, '#!/bin/sh\necho "args: $*"\nenv | grep -E "^(MARIADB_|REDIS)" | sort\n');
    await chmod(stub, 0o755);
    const result = spawnSync(
      'sh',
      ['-c', unescape(script!), argv0!, ...(service.command ?? []).map(unescape)],
      { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH ?? ''}`, ...env } },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  }

  it("mariadb: a regular user from DB_USERNAME, or root as Laravel's default .env has it", async () => {
    const mariadb = compose.services.mariadb!;
    const user = await runEntrypoint(mariadb, 'docker-entrypoint.sh', {
      DB_USERNAME: 'kelisim',
      DB_PASSWORD: 'pw',
    });
    expect(user).toContain('MARIADB_USER=kelisim');
    expect(user).toContain('MARIADB_PASSWORD=pw');
    expect(user).toContain('MARIADB_RANDOM_ROOT_PASSWORD=1');
    expect(user).toContain('args: mariadbd --character-set-server=utf8mb4');

    const root = await runEntrypoint(mariadb, 'docker-entrypoint.sh', {
      DB_USERNAME: 'root',
      DB_PASSWORD: '',
    });
    expect(root).not.toContain('MARIADB_USER=');
    expect(root).toContain('MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1');

    const rootWithPassword = await runEntrypoint(mariadb, 'docker-entrypoint.sh', {
      DB_USERNAME: 'root',
      DB_PASSWORD: 'secret',
    });
    expect(rootWithPassword).toContain('MARIADB_ROOT_PASSWORD=secret');
    expect(rootWithPassword).not.toContain('MARIADB_ALLOW_EMPTY_ROOT_PASSWORD');
  });

  it('redis-cluster nodes: requirepass and masterauth from REDIS_PASSWORD, their service name announced', async () => {
    const node = clusterOverlay.services['redis-cluster-2']!;
    const announce = String(node.environment?.REDIS_CLUSTER_ANNOUNCE_HOSTNAME);
    expect(announce).toBe('redis-cluster-2');
    const env = { REDIS_CLUSTER_ANNOUNCE_HOSTNAME: announce };
    const open = await runEntrypoint(node, 'redis-server', { ...env, REDIS_PASSWORD: 'null' });
    expect(open).toContain('--cluster-enabled yes');
    expect(open).toContain('--cluster-preferred-endpoint-type hostname');
    expect(open).toContain('--cluster-announce-hostname redis-cluster-2\n');
    const locked = await runEntrypoint(node, 'redis-server', { ...env, REDIS_PASSWORD: 's3cret' });
    expect(locked).toContain('--requirepass s3cret --masterauth s3cret');
  });

  it("redis: requirepass from REDIS_PASSWORD, none for Laravel's `null`", async () => {
    const redis = compose.services.redis!;
    const open = await runEntrypoint(redis, 'redis-server', { REDIS_PASSWORD: 'null' });
    expect(open).toContain('args: --appendonly yes --maxmemory-policy noeviction\n');
    const locked = await runEntrypoint(redis, 'redis-server', { REDIS_PASSWORD: 's3cret' });
    expect(locked).toContain('--requirepass s3cret');
  });
});

describe('docker-compose.redis-cluster.yml on real redis-server processes', () => {
  const password = 'cluster-s3cret';
  let dir: string;
  const servers: RedisServer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kelisim-compose-cluster-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a service's `sh -c` entrypoint for real, with the flags of its compose `command`. */
  const shell = (service: Service) => {
    const [sh, flag, script, argv0] = service.entrypoint!;
    return [sh!, flag!, unescape(script!), argv0!, ...(service.command ?? []).map(unescape)];
  };

  /** Node `i` from the overlay's own entrypoint and flags, its data in `node-<i>`. */
  async function startClusterNode(i: number, bind: string, announce: string) {
    return startRedisServer({
      program: shell(clusterOverlay.services[`redis-cluster-${i + 1}`]!),
      // Loopback stands in for the compose network: the bus on a port of its own, the service
      // name `announce`.
      args: [
        ...['--dir', path.join(dir, `node-${i}`), '--bind', bind],
        ...['--cluster-port', String(await freePort())],
      ],
      env: { REDIS_PASSWORD: password, REDIS_CLUSTER_ANNOUNCE_HOSTNAME: announce },
    });
  }

  /**
   * The project's own client with the settings the overlay gives the nodes: it writes and reads
   * keys on every master, then `check` looks further.
   */
  async function withProjectClient(
    nodes: string,
    check: (redis: Extract<RedisClient, { nodes: unknown }>) => Promise<void>,
  ) {
    const redis = createRedis(
      redisEnv.parse({ REDIS_CLUSTER_NODES: nodes, REDIS_PASSWORD: password, REDIS_DB: '0' }),
    );
    try {
      if (!('nodes' in redis)) throw new Error('expected a Cluster client');
      const keys = Array.from({ length: 30 }, (_, i) => `compose-cluster-check-${i}`);
      for (const key of keys) await redis.set(key, key);
      expect(await Promise.all(keys.map((key) => redis.get(key)))).toEqual(keys);
      await check(redis);
    } finally {
      redis.disconnect();
    }
  }

  function runClusterCreate(nodes: string) {
    const [program, ...args] = shell(clusterOverlay.services['redis-cluster-create']!);
    return spawnSync(program!, args, {
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        PATH: process.env.PATH,
        REDIS_PASSWORD: password,
        REDIS_CLUSTER_NODES: nodes,
        REDIS_CLUSTER_WAIT: '30',
      },
    });
  }
  /** The creation job on `nodes`, which must succeed quietly; what it printed. */
  function clusterCreateSucceeds(nodes: string): string {
    const result = runClusterCreate(nodes);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  }

  it('forms three masters with a replica each once, announced by name, behind REDIS_PASSWORD', async () => {
    for (let i = 0; i < 6; i++) {
      await mkdir(path.join(dir, `node-${i}`));
      servers.push(await startClusterNode(i, '127.0.0.1', 'localhost'));
    }
    const nodes = servers.map(({ port }) => `127.0.0.1:${port}`).join(',');

    const created = clusterCreateSucceeds(nodes);
    expect(created).toContain('[OK] All 16384 slots covered.');
    expect(created).toContain(`Redis Cluster ready: ${nodes}`);

    // It learns the other nodes by their announced name.
    await withProjectClient(`localhost:${servers[0]!.port}`, async (redis) => {
      const slots = await redis.cluster('SLOTS');
      expect(new Set(slots.flatMap(([, , ...replicas]) => replicas.map(([host]) => host)))).toEqual(
        new Set(['localhost']),
      );
      expect(redis.nodes('master')).toHaveLength(3);
      // masterauth: every replica is in sync with its master.
      for (const replica of redis.nodes('slave')) {
        expect(await replica.info('replication')).toContain('master_link_status:up');
      }
    });

    // `docker compose up` again: the job finds the cluster formed and changes nothing.
    const again = clusterCreateSucceeds(nodes);
    expect(again).toContain('Redis Cluster already formed: 6 nodes');
    expect(again).not.toContain('slots covered');
  });

  it('joins the nodes up again when every one comes back at another address', async () => {
    // `docker compose down` then `up`: each container may get another IP, while its nodes.conf
    // names the others at their old ones. Here: 127.0.0.2 and new ports, the same data dirs.
    await Promise.all(servers.map((server) => server.kill()));
    const moved: RedisServer[] = [];
    for (let i = 0; i < 6; i++) moved.push(await startClusterNode(i, '127.0.0.2', '127.0.0.2'));
    servers.push(...moved);
    const nodes = moved.map(({ port }) => `127.0.0.2:${port}`).join(',');

    const rejoined = clusterCreateSucceeds(nodes);
    expect(rejoined).toContain('Redis Cluster already formed: 6 nodes');
    expect(rejoined).toContain(`Redis Cluster ready: ${nodes}`);
    await withProjectClient(nodes, async () => {});
  });

  it('stops with a sentence when a node name does not resolve', () => {
    const failed = runClusterCreate('no-such-host.invalid:6379');
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('Cannot resolve no-such-host.invalid');
  });
});
