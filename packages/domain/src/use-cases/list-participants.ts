import type { ParticipantResource } from '@kelisim/contracts';
import { requireMembership } from '../access.js';
import type { Actor, DomainContext } from '../context.js';
import { toParticipantResource } from '../resources.js';

export async function listParticipants(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
): Promise<ParticipantResource[]> {
  await requireMembership(ctx.db, chatId, actor.userId);
  const participants = await ctx.db.participant.findMany({
    where: { chatId },
    include: { user: { select: { id: true, name: true } } },
    orderBy: { id: 'asc' },
  });
  return participants.map(toParticipantResource);
}
