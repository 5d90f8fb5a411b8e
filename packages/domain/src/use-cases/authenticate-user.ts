import { AppError, type UserSummary } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { toUserSummary } from '../resources.js';

/** A verified token only counts while its user still exists in Laravel's `users`. */
export async function authenticateUser(db: Db, userId: number): Promise<UserSummary> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, name: true },
  });
  if (!user) throw new AppError('unauthenticated', 'Unauthenticated.');
  return toUserSummary(user);
}
