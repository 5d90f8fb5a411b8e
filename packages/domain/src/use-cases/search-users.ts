import type { UserListItem, UsersQuery } from '@kelisim/contracts';
import type { DomainContext } from '../context.js';
import { toUserSummary } from '../resources.js';

/**
 * Users whose name or email contains `search` (case-insensitive as the `users` collation compares),
 * ordered by name then id; without `search`, the first `limit` users. Emails are searched, never
 * returned: other users are listed by id and name only.
 */
export async function searchUsers(ctx: DomainContext, query: UsersQuery): Promise<UserListItem[]> {
  const { search, limit } = query;
  // Prisma hands `contains` to LIKE as is: its wildcards must match themselves.
  const text = search?.replace(/[\\%_]/g, '\\$&');
  const users = await ctx.db.user.findMany({
    where: text ? { OR: [{ name: { contains: text } }, { email: { contains: text } }] } : undefined,
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: limit,
    select: { id: true, name: true },
  });
  return users.map(toUserSummary);
}
