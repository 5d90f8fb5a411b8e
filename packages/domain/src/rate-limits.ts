import { AppError } from '@kelisim/contracts';
import type { Actor, DomainContext } from './context.js';
import type { RateLimiter } from './ports.js';

/** Counts `points` actions for `key`; over the limit: `rate_limited` with the wait in seconds. */
async function enforce(
  limiter: RateLimiter,
  key: string,
  message: string,
  points = 1,
): Promise<void> {
  const limit = await limiter.consume(key, points);
  if (!limit.allowed) {
    throw new AppError('rate_limited', message, { retryAfterSeconds: limit.retryAfterSeconds });
  }
}

/** The send budget's key: text messages and uploads draw on it alike. */
export const sendLimitKey = (userId: number) => `send:${userId}`;

export function limitUploads(ctx: DomainContext, actor: Actor): Promise<void> {
  return enforce(
    ctx.sendRateLimiter,
    sendLimitKey(actor.userId),
    'You are sending messages and files too fast. Try again shortly.',
  );
}

/** Edits and reactions change what a chat shows: they draw on the send budget too. */
export function limitChatChanges(ctx: DomainContext, actor: Actor): Promise<void> {
  return enforce(
    ctx.sendRateLimiter,
    sendLimitKey(actor.userId),
    'You are sending too fast. Try again shortly.',
  );
}

export function limitChatCreation(ctx: DomainContext, actor: Actor): Promise<void> {
  return enforce(
    ctx.chatCreateRateLimiter,
    `chat-create:${actor.userId}`,
    'You are creating chats too fast. Try again shortly.',
  );
}

/** One point per user added to a group, whether at its creation or later. */
export function limitParticipantAdds(
  ctx: DomainContext,
  actor: Actor,
  count: number,
): Promise<void> {
  return enforce(
    ctx.participantAddRateLimiter,
    `participant-add:${actor.userId}`,
    'You are adding participants too fast. Try again shortly.',
    count,
  );
}

export function limitSearches(ctx: DomainContext, actor: Actor): Promise<void> {
  return enforce(
    ctx.searchRateLimiter,
    `search:${actor.userId}`,
    'You are searching too fast. Try again shortly.',
  );
}

export function limitMessageDeletion(ctx: DomainContext, actor: Actor): Promise<void> {
  return enforce(
    ctx.messageDeleteRateLimiter,
    `message-delete:${actor.userId}`,
    'You are deleting messages too fast. Try again shortly.',
  );
}
