import mariadb from 'mariadb';
import { describe, expect, it } from 'vitest';
import { useDomainHarness } from './test-context.js';
import { inTransaction, isUniqueViolation } from './transactions.js';
import { createChat } from './use-cases/create-chat.js';

const h = useDomainHarness('transactions', 2, 'Tx');

async function newChat(name: string): Promise<number> {
  const [owner, other] = h.users;
  const { chat } = await createChat(
    h.ctx,
    { userId: owner!.id },
    { type: 'group', name, participant_ids: [other!.id] },
  );
  return chat.id;
}

describe('isUniqueViolation', () => {
  it('recognises a duplicate from a raw statement as from Prisma’s own queries', async () => {
    const chatId = await newChat('Twins');
    const senderId = h.users[0]!.id;
    const insert = () => h.database.db.$executeRaw`
      INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at, updated_at)
      VALUES (${chatId}, 1, ${senderId}, 'text', 'twin', NOW(), NOW())`;
    await insert();
    const raw = await insert().catch((error: unknown) => error);
    expect(isUniqueViolation(raw)).toBe(true);
    const orm = await h.database.db.message
      .create({ data: { chatId, seq: 1, senderId, type: 'text' } })
      .catch((error: unknown) => error);
    expect(isUniqueViolation(orm)).toBe(true);
    const missingChat = await h.database.db.$executeRaw`
      INSERT INTO messages (chat_id, seq, sender_id, type, created_at, updated_at)
      VALUES (999999999, 1, ${senderId}, 'text', NOW(), NOW())`.catch((error: unknown) => error);
    expect(missingChat).toBeInstanceOf(Error);
    expect(isUniqueViolation(missingChat)).toBe(false);
  });
});

describe('inTransaction', () => {
  it('tries again when InnoDB picks it as the victim of a deadlock in a raw statement', async () => {
    const [a, b] = [await newChat('A'), await newChat('B')];
    const other = await mariadb.createConnection(h.database.config);
    try {
      // Ours holds A and then asks for B, which the other holds while it waits for A: ours closes
      // the cycle, and InnoDB rolls it back.
      await other.beginTransaction();
      await other.query('SELECT id FROM chats WHERE id = ? FOR UPDATE', [b]);
      let attempts = 0;
      let otherDone: Promise<unknown> | undefined;
      await inTransaction(h.database.db, async (tx) => {
        attempts++;
        await tx.$queryRaw`SELECT id FROM chats WHERE id = ${a} FOR UPDATE`;
        if (attempts === 1) {
          otherDone = other
            .query('SELECT id FROM chats WHERE id = ? FOR UPDATE', [a])
            .then(() => other.commit());
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await tx.$queryRaw`SELECT id FROM chats WHERE id = ${b} FOR UPDATE`;
      });
      await otherDone;
      expect(attempts).toBe(2);
    } finally {
      await other.end();
    }
  });
});
