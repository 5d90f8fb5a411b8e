import { requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';

/**
 * Laravel Echo's `private-chat.<id>` and `presence-chat.<id>` channels are the chat's
 * participants' only, like every other resource of the chat (others get `not_found`).
 */
export async function authorizeChatChannel(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
): Promise<void> {
  await requireMembership(ctx.db, chatId, actor.userId);
}
