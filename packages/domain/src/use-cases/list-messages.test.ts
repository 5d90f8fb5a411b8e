import mariadb, { type Connection } from 'mariadb';
import { describe, expect, it } from 'vitest';
import { createDb, Prisma } from '@kelisim/db';
import { QueryLogProxy } from '@kelisim/testing';
import { useDomainHarness } from '../test-context.js';
import { createChat } from './create-chat.js';
import { listMessages } from './list-messages.js';

const h = useDomainHarness('list_messages', 2, 'Pager');
const history = 3_000;

/** The rows MariaDB read from `messages` for a statement, by running it under ANALYZE. */
async function rowsReadFromMessages(connection: Connection, sql: string) {
  const [row] = await connection.query<{ ANALYZE: string }[]>(`ANALYZE FORMAT=JSON ${sql}`);
  const read: number[] = [];
  JSON.stringify(JSON.parse(row!.ANALYZE), (key, value: unknown) => {
    if (value && typeof value === 'object' && 'table_name' in value) {
      const table = value as { table_name: string; r_rows?: number; r_loops?: number };
      if (table.table_name === 'messages') read.push((table.r_rows ?? 0) * (table.r_loops ?? 1));
    }
    return value;
  });
  return read;
}

describe('listMessages', () => {
  it('reads an older page of a long chat without walking the rows after it', async () => {
    const [owner, other] = h.users;
    const { chat } = await createChat(
      h.ctx,
      { userId: owner!.id },
      { type: 'group', name: 'Long', participant_ids: [other!.id] },
    );
    const rows = Array.from(
      { length: history },
      (_, i) =>
        Prisma.sql`(${chat.id}, ${i + 1}, ${owner!.id}, 'text', ${`m${i + 1}`}, NOW(), NOW())`,
    );
    await h.database.db.$executeRaw`
      INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at, updated_at)
      VALUES ${Prisma.join(rows)}`;
    await h.database.db.$executeRaw`UPDATE chats SET last_seq = ${history} WHERE id = ${chat.id}`;
    await h.database.db.$executeRaw`ANALYZE TABLE messages`;

    const log = new QueryLogProxy(h.database.config);
    await log.open();
    const db = createDb({ ...h.database.config, port: log.port });
    const connection = await mariadb.createConnection(h.database.config);
    try {
      const page = await listMessages({ ...h.ctx, db }, h.actors[0]!, chat.id, {
        before: 1_000,
        limit: 50,
      });
      expect(page.messages.map((m) => m.seq)).toEqual(
        Array.from({ length: 50 }, (_, i) => 950 + i),
      );
      expect(page.hasMore).toBe(true);
      const reads = log.queries.filter((sql) => /^SELECT[\s\S]*FROM `messages`/.test(sql));
      expect(reads.length).toBeGreaterThan(0);
      for (const sql of reads) {
        for (const read of await rowsReadFromMessages(connection, sql)) {
          expect(read, sql).toBeLessThanOrEqual(51);
        }
      }
    } finally {
      await connection.end();
      await db.$disconnect();
      await log.close();
    }
  });
});
