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

export const limitUploads = budget(
  (ctx) => ctx.sendRateLimiter,
  (actor) => sendLimitKey(actor.userId),
  'You are sending messages and files too fast. Try again shortly.',
);

/** Edits and reactions change what a chat shows: they draw on the send budget too. */
export const limitChatChanges = budget(
  (ctx) => ctx.sendRateLimiter,
  (actor) => sendLimitKey(actor.userId),
  'You are sending too fast. Try again shortly.',
);

export const limitChatCreation = budget(
  (ctx) => ctx.chatCreateRateLimiter,
  (actor) => `chat-create:${actor.userId}`,
  'You are creating chats too fast. Try again shortly.',
);

/** One point per user added to a group, whether at its creation or later. */
export const limitParticipantAdds = budget(
  (ctx) => ctx.participantAddRateLimiter,
  (actor) => `participant-add:${actor.userId}`,
  'You are adding participants too fast. Try again shortly.',
);

export const limitSearches = budget(
  (ctx) => ctx.searchRateLimiter,
  (actor) => `search:${actor.userId}`,
  'You are searching too fast. Try again shortly.',
);

export const limitMessageDeletion = budget(
  (ctx) => ctx.messageDeleteRateLimiter,
  (actor) => `message-delete:${actor.userId}`,
  'You are deleting messages too fast. Try again shortly.',
);

/** A per-user budget: `points` actions count against the actor's key in that limiter. */
function budget(
  limiter: (ctx: DomainContext) => RateLimiter,
  key: (actor: Actor) => string,
  message: string,
) {
  return (ctx: DomainContext, actor: Actor, points = 1): Promise<void> =>
    enforce(limiter(ctx), key(actor), message, points);
}
