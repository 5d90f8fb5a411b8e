import { AppError, type UserProfile } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';

/** A user's own profile (`GET /api/me`): the only place an email goes out. */
export async function getUserProfile(db: Db, userId: number): Promise<UserProfile> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, name: true, email: true },
  });
  if (!user) throw new AppError('not_found', 'No such user.');
  return toUserProfile(user);
}

export function toUserProfile(user: { id: bigint; name: string; email: string }): UserProfile {
  return { id: Number(user.id), name: user.name, email: user.email };
}
