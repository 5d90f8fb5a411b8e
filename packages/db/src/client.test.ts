import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import mariadb from 'mariadb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { databaseEnv, parseEnv, StartupError } from '@kelisim/config';
import { createDb } from './client.js';
import { assertDatabaseReachable } from './reachable.js';

const config = { ...parseEnv(databaseEnv, process.env), database: 'mysql' };

/** Forwards to MariaDB, but drops the first connection when it sets its session time zone. */
const sockets = new Set<Socket>();
let cut = 0;
const proxy = createServer((client) => {
  const upstream = connect(config.port, config.host);
  for (const socket of [client, upstream]) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('data', (chunk: Buffer) => {
    if (cut === 0 && chunk.includes('time_zone')) {
      cut++;
      client.destroy();
    } else upstream.write(chunk);
  });
  upstream.pipe(client);
});

beforeAll(async () => {
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
});
afterAll(async () => {
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => proxy.close(resolve));
});

// The driver once left this failure as an unhandled rejection, which ends a Node process.
it('answers over a new connection when one drops while the pool sets it up', async () => {
  const db = createDb({ ...config, port: (proxy.address() as AddressInfo).port });
  try {
    const rows = await db.$queryRaw<{ one: bigint | number }[]>`SELECT 1 AS one`;
    expect(Number(rows[0]!.one)).toBe(1);
    expect(cut).toBe(1);
  } finally {
    await db.$disconnect();
  }
});

it("connects over the server's Unix socket when DB_SOCKET names one, and names a wrong one", async () => {
  const admin = await mariadb.createConnection({ ...config, socketPath: undefined });
  const [row] = await admin.query<{ socket: string }[]>('SELECT @@socket AS socket');
  await admin.end();
  const socket = row!.socket;
  // A socket connection's process-list host is "localhost"; a TCP one's is "address:port".
  const hostOf = async (db: ReturnType<typeof createDb>) => {
    const [row] = await db.$queryRaw<{ host: string }[]>`
      SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()`;
    return row!.host;
  };
  const overSocket = createDb({ ...config, host: 'unused.invalid', socketPath: socket });
  const overTcp = createDb({ ...config, socketPath: undefined });
  try {
    expect(await hostOf(overSocket)).toBe('localhost');
    expect(await hostOf(overTcp)).toMatch(/:\d+$/);
  } finally {
    await overSocket.$disconnect();
    await overTcp.$disconnect();
  }
  const missing = '/nonexistent/mysqld.sock';
  const refused = await assertDatabaseReachable({ ...config, socketPath: missing }).catch(
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(StartupError);
  expect((refused as Error).message).toContain(`${missing} (DB_SOCKET)`);
});
