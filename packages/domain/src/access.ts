import { AppError } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import type { Tx } from './transactions.js';

export type Membership = NonNullable<Awaited<ReturnType<typeof findMembership>>>;

export function findMembership(db: Db | Tx, chatId: number, userId: number) {
  return db.participant.findFirst({
    where: { chatId, userId, chat: { deletedAt: null } },
    include: { chat: true },
  });
}

/** One query: whether the user takes part in the (not deleted) chat; 404 if not. */
export async function requireParticipant(db: Db | Tx, chatId: number, userId: number) {
  const found = await db.participant.findFirst({
    where: { chatId, userId, chat: { deletedAt: null } },
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

/** Every id must be an existing user; unknown ones are a validation error on `field`. */
export async function requireUsersExist(db: Db, userIds: number[], field: string): Promise<void> {
  if (userIds.length === 0) return;
  const found = await db.user.findMany({ where: { id: { in: userIds } }, select: { id: true } });
  const known = new Set(found.map((u) => Number(u.id)));
  const unknown = userIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw AppError.validation({ [field]: [`Unknown user ids: ${unknown.join(', ')}.`] });
  }
}
