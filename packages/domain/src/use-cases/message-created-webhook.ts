import type { MessageResource } from '@kelisim/contracts';
import type { DomainContext } from '../context.js';
import type { PresenceReader } from '../ports.js';
import { toMessageResourceFor } from '../message-resources.js';
import { messageInclude } from '../resources.js';

export interface MessageCreatedWebhook {
  message: MessageResource;
  /** Participants other than the sender with no live connection: Laravel may notify them. */
  recipients_offline: number[];
  /** Participants other than the sender who muted the chat (online or not). */
  recipients_muted: number[];
}

/**
 * The `message.created` webhook's data, built when it is sent (the queued job holds only the
 * message id): the message as it is at that moment (a message deleted meanwhile is a tombstone
 * without content), and who of the chat's current participants (other than the sender) is
 * offline, and who muted the chat, in ascending id order. Null when the message no longer exists (its chat was removed).
 */
export async function messageCreatedWebhook(
  ctx: DomainContext,
  presence: PresenceReader,
  messageId: number,
): Promise<MessageCreatedWebhook | null> {
  const row = await ctx.db.message.findUnique({
    where: { id: messageId },
    include: messageInclude,
  });
  if (!row) return null;
  const message = await toMessageResourceFor(ctx, row, null);
  const participants = await ctx.db.participant.findMany({
    where: { chatId: message.chat_id, userId: { not: message.sender.id } },
    select: { userId: true, mutedUntil: true },
    orderBy: { userId: 'asc' },
  });
  const recipients = participants.map((p) => Number(p.userId));
  const online = await presence.onlineUsers(recipients);
  const at = new Date();
  return {
    message,
    recipients_offline: recipients.filter((id) => !online.has(id)),
    recipients_muted: participants
      .filter((p) => p.mutedUntil !== null && p.mutedUntil > at)
      .map((p) => Number(p.userId)),
  };
}
