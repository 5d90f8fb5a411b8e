import type { Socket } from 'node:net';
import { CuttableProxy } from './tcp-proxy.js';

const COM_QUERY = 0x03;

/**
 * A TCP proxy in front of MariaDB that records every SQL statement its clients send (the
 * COM_QUERY packets of the MySQL protocol; the service uses the text protocol, so values are
 * inlined). A node pointed at it has its own query log.
 */
export class QueryLogProxy extends CuttableProxy {
  readonly queries: string[] = [];

  protected override observe(client: Socket): void {
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
  }

  close(): Promise<void> {
    return this.cut();
  }
}
