import { AppError, type ChatResource, type CreateChatBody } from '@kelisim/contracts';
import type { Chat } from '@kelisim/db';
import { requireAddableUsers, requireGroupSize } from '../access.js';
import { loadChatResourceFor } from '../chat-views.js';
import { now, type Actor, type DomainContext } from '../context.js';
import { limitChatCreation, limitParticipantAdds } from '../rate-limits.js';
import { inTransaction, isUniqueViolation } from '../transactions.js';

export interface CreatedChat {
  chat: ChatResource;
  /** false when a direct chat between the two users already existed. */
  created: boolean;
}

export async function createChat(
  ctx: DomainContext,
  actor: Actor,
  input: CreateChatBody,
): Promise<CreatedChat> {
  const others = [...new Set(input.participant_ids)].filter((id) => id !== actor.userId);
  if (input.type === 'direct' && others.length !== 1) {
    throw AppError.validation({
      participant_ids: ['A direct chat needs exactly one other participant.'],
    });
  }
  if (input.type === 'group') {
    requireGroupSize(others.length + 1, ctx.limits.groupMaxMembers, 'participant_ids');
  }
  await limitChatCreation(ctx, actor);
  if (input.type === 'group' && others.length > 0) {
    await limitParticipantAdds(ctx, actor, others.length);
  }
  await requireAddableUsers(ctx.db, actor.userId, others, 'participant_ids');

  const directKey = input.type === 'direct' ? directKeyOf(actor.userId, others[0]!) : null;
  if (directKey) {
    const existing = await findDirectChat(ctx, directKey);
    if (existing)
      return { chat: await loadChatResourceFor(ctx, existing, actor.userId), created: false };
  }

  let chat: Chat;
  try {
    chat = await insertChat(ctx, actor, input, others, directKey);
  } catch (error) {
    const raced = directKey && isUniqueViolation(error) && (await findDirectChat(ctx, directKey));
    if (!raced) throw error;
    return { chat: await loadChatResourceFor(ctx, raced, actor.userId), created: false };
  }

  const members = [actor.userId, ...others];
  ctx.events.joinChat(members, Number(chat.id));
  ctx.jobs.pushUnreadCounts({ userIds: members });
  for (const userId of others) {
    ctx.events.publish({ userIds: [userId] }, 'chat_created', {
      chat: await loadChatResourceFor(ctx, chat, userId),
    });
  }
  const mine = await loadChatResourceFor(ctx, chat, actor.userId);
  ctx.events.publish({ userIds: [actor.userId] }, 'chat_created', { chat: mine });
  return { chat: mine, created: true };
}

/** Direct chats are unique per pair of users, whoever created them. */
function directKeyOf(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

function findDirectChat(ctx: DomainContext, directKey: string) {
  return ctx.db.chat.findFirst({ where: { directKey, deletedAt: null } });
}

function insertChat(
  ctx: DomainContext,
  actor: Actor,
  input: CreateChatBody,
  others: number[],
  directKey: string | null,
): Promise<Chat> {
  const at = now();
  const creatorRole = input.type === 'group' ? 'owner' : 'member';
  return inTransaction(ctx.db, async (tx) => {
    const chat = await tx.chat.create({
      data: {
        type: input.type,
        name: input.name ?? null,
        createdBy: actor.userId,
        directKey,
        lastActivityAt: at,
        createdAt: at,
        updatedAt: at,
      },
    });
    await tx.participant.createMany({
      data: [
        { chatId: chat.id, userId: actor.userId, role: creatorRole, createdAt: at, updatedAt: at },
        ...others.map((userId) => ({
          chatId: chat.id,
          userId,
          role: 'member' as const,
          createdAt: at,
          updatedAt: at,
        })),
      ],
    });
    return chat;
  });
}
