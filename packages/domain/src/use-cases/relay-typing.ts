import type { UserSummary } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';

/**
 * Tells a chat that someone is (or stopped) typing. Never stored; "is typing" is throttled per
 * user and chat, "stopped" always goes through. Returns whether it was relayed.
 */
export async function relayTyping(
  ctx: DomainContext,
  actor: Actor & { user: UserSummary },
  chatId: number,
  isTyping: boolean,
): Promise<boolean> {
  if (isTyping) {
    const limit = await ctx.typingRateLimiter.consume(`typing:${chatId}:${actor.userId}`);
    if (!limit.allowed) return false;
  }
  await requireMembership(ctx.db, chatId, actor.userId);
  ctx.events.publish({ chatIds: [chatId] }, 'typing', {
    chat_id: chatId,
    user: actor.user,
    is_typing: isTyping,
  });
  return true;
}
