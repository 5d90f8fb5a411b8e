import { AppError, type MessageResource } from '@kelisim/contracts';
import { requireParticipant } from '../access.js';
import { appendMessage } from '../append-message.js';
import type { Actor, DomainContext } from '../context.js';
import { messageInclude, toMessageResource, type MessageRow } from '../resources.js';
import { inTransaction, isUniqueViolation } from '../transactions.js';

export interface SendMessageInput {
  chatId: number;
  content: string;
  tempId?: string | null | undefined;
  replyToId?: number | null | undefined;
}

export interface SentMessage {
  message: MessageResource;
  /** false when `tempId` matched an earlier send: that original message is returned. */
  created: boolean;
}

/**
 * Stores a text message with the chat's next seq. Acknowledged only once committed; a retry with
 * the same temp_id returns the original, never a twin (also when both tries race).
 */
export async function sendMessage(
  ctx: DomainContext,
  actor: Actor,
  input: SendMessageInput,
): Promise<SentMessage> {
  validateContent(input.content, ctx.limits.messageMaxLength);
  await requireParticipant(ctx.db, input.chatId, actor.userId);

  const tempId = input.tempId ?? null;
  if (tempId !== null && (await sendKeyTaken(ctx, input.chatId, actor.userId, tempId))) {
    const original = await findBySendKey(ctx, input.chatId, actor.userId, tempId);
    if (original) return { message: toMessageResource(original), created: false };
  }
  const limit = await ctx.sendRateLimiter.consume(`send:${actor.userId}`);
  if (!limit.allowed) {
    throw new AppError('rate_limited', 'You are sending messages too fast. Try again shortly.', {
      retryAfterSeconds: limit.retryAfterSeconds,
    });
  }
  if (input.replyToId != null) await requireReplyTarget(ctx, input.chatId, input.replyToId);

  let row: MessageRow;
  try {
    row = await insertMessage(ctx, actor, input, tempId);
  } catch (error) {
    if (tempId === null || !isUniqueViolation(error)) throw error;
    const original = await findBySendKey(ctx, input.chatId, actor.userId, tempId);
    if (!original) throw error;
    return { message: toMessageResource(original), created: false };
  }
  const message = toMessageResource(row);
  ctx.events.publish({ chatIds: [input.chatId] }, 'new_message', { message });
  ctx.jobs.notifyLaravel('message.created', { message });
  return { message, created: true };
}

function validateContent(content: string, maxLength: number): void {
  if (content.trim().length === 0) {
    throw AppError.validation({ content: ['The message cannot be empty.'] });
  }
  let codePoints = 0;
  for (const _ of content) {
    if (++codePoints > maxLength) {
      throw AppError.validation({
        content: [`The message may not be longer than ${maxLength} characters.`],
      });
    }
  }
}

/** The cheap check every send with a temp_id makes; the full original is loaded only on a hit. */
async function sendKeyTaken(
  ctx: DomainContext,
  chatId: number,
  senderId: number,
  clientId: string,
) {
  const found = await ctx.db.message.findUnique({
    where: { chatId_senderId_clientId: { chatId, senderId, clientId } },
    select: { id: true },
  });
  return found !== null;
}

function findBySendKey(ctx: DomainContext, chatId: number, senderId: number, clientId: string) {
  return ctx.db.message.findUnique({
    where: { chatId_senderId_clientId: { chatId, senderId, clientId } },
    include: messageInclude,
  });
}

async function requireReplyTarget(ctx: DomainContext, chatId: number, messageId: number) {
  const target = await ctx.db.message.findFirst({
    where: { id: messageId, chatId, deletedAt: null },
    select: { id: true },
  });
  if (!target) {
    throw AppError.validation({ reply_to_id: ['The message replied to is not in this chat.'] });
  }
}

async function insertMessage(
  ctx: DomainContext,
  actor: Actor,
  input: SendMessageInput,
  tempId: string | null,
): Promise<MessageRow> {
  const sender = { id: actor.userId, name: actor.name ?? (await userName(ctx, actor.userId)) };
  return inTransaction(ctx.db, (tx) =>
    appendMessage(tx, {
      chatId: input.chatId,
      sender,
      type: 'text',
      content: input.content,
      clientId: tempId,
      replyToId: input.replyToId ?? null,
    }),
  );
}

async function userName(ctx: DomainContext, userId: number): Promise<string> {
  const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { name: true } });
  if (!user) throw new AppError('unauthenticated', 'Unauthenticated.');
  return user.name;
}
