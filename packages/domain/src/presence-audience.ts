import type { Db } from '@kelisim/db';

/**
 * Who may see the user's presence, and whose presence the user may see (the relation is
 * symmetric): everyone sharing a chat with them, except users who blocked them or whom they
 * blocked. Used by live `presence` events and by presence snapshots alike.
 */
export async function presenceAudience(db: Db, userId: number): Promise<number[]> {
  const rows = await db.$queryRaw<{ user_id: bigint }[]>`
    SELECT DISTINCT other.user_id
    FROM participants mine
    JOIN chats ON chats.id = mine.chat_id AND chats.deleted_at IS NULL
    JOIN participants other ON other.chat_id = mine.chat_id AND other.user_id <> mine.user_id
    WHERE mine.user_id = ${userId}
      AND NOT EXISTS (
        SELECT 1 FROM user_blocks
        WHERE (blocker_id = mine.user_id AND blocked_id = other.user_id)
           OR (blocker_id = other.user_id AND blocked_id = mine.user_id)
      )`;
  return rows.map((row) => Number(row.user_id));
}

/** Whether `viewer` may see `subject`'s presence: they share a chat and neither blocked the other. */
export async function maySeePresence(
  db: Db,
  viewerId: number,
  subjectId: number,
): Promise<boolean> {
  if (viewerId === subjectId) return true;
  const [shared, blocked] = await Promise.all([
    shareAChat(db, viewerId, subjectId),
    isBlockedEitherWay(db, viewerId, subjectId),
  ]);
  return shared && !blocked;
}

/** Whether both users take part in one (not deleted) chat. */
export async function shareAChat(db: Db, a: number, b: number): Promise<boolean> {
  const shared = await db.participant.findFirst({
    where: { userId: a, chat: { deletedAt: null, participants: { some: { userId: b } } } },
    select: { id: true },
  });
  return shared !== null;
}

async function isBlockedEitherWay(db: Db, a: number, b: number): Promise<boolean> {
  const block = await db.userBlock.findFirst({
    where: {
      OR: [
        { blockerId: a, blockedId: b },
        { blockerId: b, blockedId: a },
      ],
    },
    select: { id: true },
  });
  return block !== null;
}
