import type { UserListItem, UsersQuery } from '@kelisim/contracts';
import type { DomainContext } from '../context.js';
import { toUserSummary } from '../resources.js';

/**
 * Users whose name contains `search`, or whose email is exactly `search` (both case-insensitive as
 * the `users` collation compares), ordered by name then id; without `search`, the first `limit`
 * users. Emails never match by part, so they cannot be guessed letter by letter, and are never
 * returned: other users are listed by id and name only.
 */
export async function searchUsers(ctx: DomainContext, query: UsersQuery): Promise<UserListItem[]> {
  const { search, limit } = query;
  const users = await ctx.db.user.findMany({
    where: search
      ? { OR: [{ name: { contains: escapeLike(search) } }, { email: search }] }
      : undefined,
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: limit,
    select: { id: true, name: true },
  });
  return users.map(toUserSummary);
}

/** Prisma hands `contains` to LIKE as is: its wildcards must match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
