import type { MessageResource } from '@kelisim/contracts';
import type { DomainContext } from '../context.js';
import type { PresenceReader } from '../ports.js';

export interface MessageCreatedWebhook {
  message: MessageResource;
  /** Participants other than the sender with no live connection: Laravel may notify them. */
  recipients_offline: number[];
}

/**
 * The `message.created` webhook's data, completed when it is sent: who of the chat's current
 * participants (other than the sender) is offline at that moment, in ascending id order.
 */
export async function messageCreatedWebhook(
  ctx: DomainContext,
  presence: PresenceReader,
  message: MessageResource,
): Promise<MessageCreatedWebhook> {
  const participants = await ctx.db.participant.findMany({
    where: { chatId: message.chat_id, userId: { not: message.sender.id } },
    select: { userId: true },
    orderBy: { userId: 'asc' },
  });
  const recipients = participants.map((p) => Number(p.userId));
  const online = await presence.onlineUsers(recipients);
  return { message, recipients_offline: recipients.filter((id) => !online.has(id)) };
}
