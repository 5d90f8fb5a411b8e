import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of MariaDB that can cut every connection and refuse new ones, or stall
 * (hold every byte, as a database that stopped answering) and resume.
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  /** Writes held while stalled, in arrival order. */
  private held: (() => void)[] | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      this.observe(client);
      this.forward(client, upstream);
      this.forward(upstream, client);
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Called with each new client connection, before its bytes are forwarded. */
  protected observe(_client: Socket): void {}

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      const write = () => void to.write(chunk);
      if (this.held) this.held.push(write);
      else write();
    });
    from.on('end', () => to.end());
  }

  /** Holds every byte both ways, on open connections and new ones, until `resume`. */
  stall(): void {
    this.held ??= [];
  }

  resume(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const write of held) write();
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
