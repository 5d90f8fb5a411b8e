import { AppError, type UserSummary } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { messageInclude, toUserSummary } from './resources.js';
import type { Tx } from './transactions.js';

export type Membership = NonNullable<Awaited<ReturnType<typeof findMembership>>>;

/** A user's part in chats that are not deleted: the one membership rule every check shares. */
const liveChat = { chat: { deletedAt: null } } as const;

export function findMembership(db: Db | Tx, chatId: number, userId: number) {
  return db.participant.findFirst({
    where: { chatId, userId, ...liveChat },
    include: { chat: true },
  });
}

/**
 * A connecting user and the (not deleted) chats they take part in, whose rooms the connection
 * joins, in one round trip; unauthenticated when the user no longer exists.
 */
export async function userAndChats(
  db: Db,
  userId: number,
): Promise<{ user: UserSummary; chatIds: number[] }> {
  const rows = await db.$queryRaw<{ id: bigint; name: string; chat_id: bigint | null }[]>`
    SELECT u.id, u.name, p.chat_id
    FROM users u
    LEFT JOIN (participants p JOIN chats c ON c.id = p.chat_id AND c.deleted_at IS NULL)
      ON p.user_id = u.id
    WHERE u.id = ${userId}`;
  if (rows.length === 0) throw new AppError('unauthenticated', 'Unauthenticated.');
  return {
    user: toUserSummary(rows[0]!),
    chatIds: rows.flatMap((row) => (row.chat_id === null ? [] : [Number(row.chat_id)])),
  };
}

/** One query: whether the user takes part in the (not deleted) chat; 404 if not. */
export async function requireParticipant(db: Db | Tx, chatId: number, userId: number) {
  const found = await db.participant.findFirst({
    where: { chatId, userId, ...liveChat },
    select: { id: true },
  });
  if (!found) throw new AppError('not_found', 'Chat not found.');
}

/** Non-participants get 404, so chat ids leak nothing. */
export async function requireMembership(
  db: Db | Tx,
  chatId: number,
  userId: number,
): Promise<Membership> {
  const membership = await findMembership(db, chatId, userId);
  if (!membership) throw new AppError('not_found', 'Chat not found.');
  return membership;
}

/** A message and the actor's part in its (not deleted) chat; 404 for anyone else. */
export async function requireMessageOfMyChat(ctx: { db: Db }, messageId: number, userId: number) {
  const message = await ctx.db.message.findUnique({
    where: { id: messageId },
    include: messageInclude,
  });
  const membership = message && (await findMembership(ctx.db, Number(message.chatId), userId));
  if (!message || !membership) throw new AppError('not_found', 'Message not found.');
  return { message, membership };
}

export function isManager(membership: Membership): boolean {
  return membership.role === 'owner' || membership.role === 'admin';
}

/** Owners and admins manage a group's participants; direct chats have fixed participants. */
export function requireGroupManager(membership: Membership): void {
  if (membership.chat.type === 'direct') {
    throw new AppError('forbidden', 'The participants of a direct chat cannot be changed.');
  }
  if (!isManager(membership)) {
    throw new AppError('forbidden', 'Only the owner or an admin can manage participants.');
  }
}

/**
 * Every id must be a user the actor may put in a chat: one that exists and has not blocked the
 * actor. Others are a validation error on `field`, a blocker worded exactly like an unknown user
 * so the block is not revealed.
 */
export async function requireAddableUsers(
  db: Db,
  actorId: number,
  userIds: number[],
  field: string,
): Promise<void> {
  if (userIds.length === 0) return;
  const found = await db.user.findMany({
    where: { id: { in: userIds }, blocks: { none: { blockedId: actorId } } },
    select: { id: true },
  });
  const known = new Set(found.map((u) => Number(u.id)));
  const unknown = userIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw AppError.validation({ [field]: [`Unknown user ids: ${unknown.join(', ')}.`] });
  }
}

/** A group may not hold more than `max` members, its creator included. */
export function requireGroupSize(members: number, max: number, field: string): void {
  if (members > max) {
    throw AppError.validation({ [field]: [`A group may have at most ${max} members.`] });
  }
}
