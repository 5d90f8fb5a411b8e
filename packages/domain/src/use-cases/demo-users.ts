import type { DemoTokenResource, UserProfile } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { getUserProfile, toUserProfile } from './get-user-profile.js';

/** `pnpm seed:demo` creates its users under this email domain. */
export const demoEmailDomain = 'demo.kelisim.test';

/** Without demo users, the demo sign-in offers this many of the first users instead. */
export const demoFallbackUsers = 20;

/** Signs a token for a user id (the app's Laravel-shaped JWT minting). */
export type TokenMinter = (userId: number) => string;

/** The users the demo sign-in offers: those `pnpm seed:demo` made, else the first users. */
export async function listDemoUsers(db: Db): Promise<UserProfile[]> {
  const select = { id: true, name: true, email: true } as const;
  const seeded = await db.user.findMany({
    where: { email: { endsWith: `@${demoEmailDomain}` } },
    orderBy: { id: 'asc' },
    select,
  });
  if (seeded.length > 0) return seeded.map(toUserProfile);
  const first = await db.user.findMany({ orderBy: { id: 'asc' }, take: demoFallbackUsers, select });
  return first.map(toUserProfile);
}

/** A token for an existing user, for demo mode's password-less sign-in. */
export async function issueDemoToken(
  db: Db,
  mint: TokenMinter,
  userId: number,
): Promise<DemoTokenResource> {
  const user = await getUserProfile(db, userId);
  return { token: mint(user.id), user };
}
