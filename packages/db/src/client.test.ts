import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { databaseEnv, parseEnv } from '@kelisim/config';
import { createDb } from './client.js';

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
