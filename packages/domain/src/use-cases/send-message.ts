import { AppError, type MessageResource } from '@kelisim/contracts';
import { requireParticipant } from '../access.js';
import type { AppendedMessage } from '../append-message.js';
import type { Actor, DomainContext } from '../context.js';
import { groupCommitOf } from '../group-commit.js';
import { validateContent } from '../message-content.js';
import { toMessageResourceFor } from '../message-resources.js';
import { sendLimitKey } from '../rate-limits.js';
import {
  messageInclude,
  replyPreviewSelect,
  toMessageResource,
  type ReplyPreviewRow,
} from '../resources.js';
import { isUniqueViolation } from '../transactions.js';

export interface SendMessageInput {
  chatId: number;
  content: string;
  tempId?: string | null | undefined;
  replyToId?: number | null | undefined;
  /** Users to mention: participants other than the sender are kept, other ids dropped. */
  mentions?: number[] | undefined;
}

export interface SentMessage {
  message: MessageResource;
  /** false when `tempId` matched an earlier send: that original message is returned. */
  created: boolean;
}

/**
 * Stores a text message with the chat's next seq. Acknowledged only once committed; a retry with
 * the same temp_id returns the original, never a twin (also when both tries race).
 *
 * Membership and a reused temp_id are checked under the lock that takes the chat's next seq, in a
 * transaction the node's concurrent sends share (`GroupCommit`).
 */
export async function sendMessage(
  ctx: DomainContext,
  actor: Actor,
  input: SendMessageInput,
): Promise<SentMessage> {
  validateContent(input.content, ctx.limits.messageMaxLength);
  const tempId = input.tempId ?? null;
  const limit = await ctx.sendRateLimiter.consume(sendLimitKey(actor.userId));
  if (!limit.allowed) {
    // A retry of a send that went through is answered even when the sender is over the limit.
    const original = await findOriginal(ctx, actor, input.chatId, tempId);
    if (original) return { message: original, created: false };
    throw new AppError('rate_limited', 'You are sending messages too fast. Try again shortly.', {
      retryAfterSeconds: limit.retryAfterSeconds,
    });
  }
  let replyTo: ReplyPreviewRow | null = null;
  if (input.replyToId != null) {
    await requireParticipant(ctx.db, input.chatId, actor.userId);
    replyTo = await requireReplyTarget(ctx, input.chatId, input.replyToId);
  }

  let appended: AppendedMessage;
  try {
    appended = await insertMessage(ctx, actor, { ...input, replyTo }, tempId);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const original = await findOriginal(ctx, actor, input.chatId, tempId);
    if (!original) throw error;
    return { message: original, created: false };
  }
  const message = toMessageResource(appended.row, ctx.fileLinks);
  if (!appended.created) return { message, created: false };
  ctx.events.publish({ chatIds: [input.chatId] }, 'new_message', { message });
  if (message.mentions.length > 0) {
    ctx.events.publish({ userIds: message.mentions }, 'mentioned', {
      chat_id: input.chatId,
      message,
    });
  }
  ctx.jobs.pushUnreadCounts({ chatIds: [input.chatId] });
  ctx.jobs.notifyLaravel('message.created', { message_id: message.id });
  return { message, created: true };
}

/** The message an earlier send with this temp_id stored, for a sender who still takes part. */
async function findOriginal(
  ctx: DomainContext,
  actor: Actor,
  chatId: number,
  tempId: string | null,
): Promise<MessageResource | null> {
  if (tempId === null) return null;
  await requireParticipant(ctx.db, chatId, actor.userId);
  const original = await ctx.db.message.findUnique({
    where: { chatId_senderId_clientId: { chatId, senderId: actor.userId, clientId: tempId } },
    include: messageInclude,
  });
  return original && toMessageResourceFor(ctx, original, actor.userId);
}

async function requireReplyTarget(
  ctx: DomainContext,
  chatId: number,
  messageId: number,
): Promise<ReplyPreviewRow> {
  const target = await ctx.db.message.findFirst({
    where: { id: messageId, chatId, deletedAt: null },
    select: replyPreviewSelect,
  });
  if (!target) {
    throw AppError.validation({ reply_to_id: ['The message replied to is not in this chat.'] });
  }
  return target;
}

async function insertMessage(
  ctx: DomainContext,
  actor: Actor,
  input: SendMessageInput & { replyTo: ReplyPreviewRow | null },
  tempId: string | null,
): Promise<AppendedMessage> {
  const sender = { id: actor.userId, name: actor.name ?? (await userName(ctx, actor.userId)) };
  return groupCommitOf(ctx.db, ctx.groupCommit).append({
    chatId: input.chatId,
    sender,
    type: 'text',
    content: input.content,
    clientId: tempId,
    replyToId: input.replyToId ?? null,
    replyTo: input.replyTo,
    mentions: input.mentions,
    senderMustTakePart: true,
  });
}

async function userName(ctx: DomainContext, userId: number): Promise<string> {
  const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { name: true } });
  if (!user) throw new AppError('unauthenticated', 'Unauthenticated.');
  return user.name;
}
