import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

const COM_QUERY = 0x03;

/**
 * A TCP proxy in front of MariaDB that records every SQL statement its clients send (the
 * COM_QUERY packets of the MySQL protocol; the service uses the text protocol, so values are
 * inlined). A node pointed at it has its own query log.
 */
export class QueryLogProxy {
  readonly queries: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      let pending = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4) {
          const length = pending.readUIntLE(0, 3);
          if (pending.length < 4 + length) break;
          const sequence = pending[3];
          const payload = pending.subarray(4, 4 + length);
          if (sequence === 0 && payload[0] === COM_QUERY) {
            this.queries.push(payload.subarray(1).toString('utf8'));
          }
          pending = pending.subarray(4 + length);
        }
      });
      client.pipe(upstream).pipe(client);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
