import type { ChatResource } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import { loadChatResources } from '../chat-views.js';
import type { Actor, DomainContext } from '../context.js';

export async function getChat(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
): Promise<ChatResource> {
  const membership = await requireMembership(ctx.db, chatId, actor.userId);
  const [chat] = await loadChatResources(ctx, [membership]);
  return chat!;
}
