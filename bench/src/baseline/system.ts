import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, spawnProcess, stopProcess, waitUntilReady } from '../proc.js';
import { deleteKeys, type BenchNode } from '../system.js';

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

export interface BaselineSystem {
  nodes: BenchNode[];
  /** The adapter's key: `@socket.io/redis-emitter` with it reaches every node's rooms. */
  socketIoKey: string;
  redis: Redis;
  stop(): Promise<void>;
}

/** `nodes` reference servers (bare socket.io + Redis adapter) sharing one Redis channel key. */
export async function startBaseline(options: {
  nodes: number;
  /** Nodes open the inspector, for `heapUsedAfterGc`. */
  inspect?: boolean;
}): Promise<BaselineSystem> {
  const socketIoKey = `kelisim_bench:${randomBytes(4).toString('hex')}:baseline`;
  const redisHost = process.env.REDIS_HOST ?? '127.0.0.1';
  const redisPort = Number(process.env.REDIS_PORT ?? 6379);
  const redis = new Redis({ host: redisHost, port: redisPort });
  const nodes: BenchNode[] = [];
  const system: BaselineSystem = {
    nodes,
    socketIoKey,
    redis,
    async stop() {
      await Promise.all(nodes.map((node) => stopProcess(node)));
      await deleteKeys(redis, `${socketIoKey}*`);
      redis.disconnect();
    },
  };
  try {
    const startNode = async () => {
      const port = await freePort();
      const proc = spawnProcess({
        args: ['--import', tsx, serverScript],
        inspect: options.inspect,
        env: {
          NODE_ENV: 'production',
          PORT: String(port),
          REDIS_HOST: redisHost,
          REDIS_PORT: String(redisPort),
          SOCKET_IO_KEY: socketIoKey,
        },
      });
      const url = `http://127.0.0.1:${port}`;
      nodes.push({ ...proc, url, port });
      await waitUntilReady(`${url}/health/ready`, proc);
    };
    await Promise.all(Array.from({ length: options.nodes }, startNode));
  } catch (error) {
    await system.stop().catch(() => undefined);
    throw error;
  }
  return system;
}
