import mariadb, { type Connection } from 'mariadb';
import type { SystemUnderTest } from '../system.js';
import { poolOptions } from './db-insert.js';

/** MariaDB's view: connections of the bench database (sampled), global thread counters. */
export class DbMonitor {
  maxConnections = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly conn: Connection,
    private readonly database: string,
  ) {}

  static async start(system: SystemUnderTest): Promise<DbMonitor> {
    const conn = await mariadb.createConnection(poolOptions(system.database));
    return new DbMonitor(conn, system.database.database);
  }

  async global(): Promise<{ threadsConnected: number; maxUsed: number }> {
    const rows = await this.conn.query<{ Variable_name: string; Value: string }[]>(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Max_used_connections')",
    );
    const value = (name: string) => Number(rows.find((row) => row.Variable_name === name)?.Value);
    return { threadsConnected: value('Threads_connected'), maxUsed: value('Max_used_connections') };
  }

  /** While on, counts the bench database's connections every 100 ms into `maxConnections`. */
  sampling(on: boolean): void {
    clearInterval(this.timer);
    if (!on) return;
    this.timer = setInterval(() => {
      this.conn
        .query<{ n: number }[]>(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?',
          [this.database],
        )
        .then(([row]) => (this.maxConnections = Math.max(this.maxConnections, Number(row?.n))))
        .catch(() => undefined);
    }, 100);
  }

  /** Every chat's `last_seq`, by chat id. */
  async lastSeqs(): Promise<Map<number, number>> {
    const rows = await this.conn.query<{ id: number; last_seq: number }[]>(
      'SELECT id, last_seq FROM chats',
    );
    return new Map(rows.map((row) => [Number(row.id), Number(row.last_seq)]));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.conn.end();
  }
}
