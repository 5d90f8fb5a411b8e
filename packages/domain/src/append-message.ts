import type { MessageType } from '@kelisim/contracts';
import { now } from './context.js';
import { messageInclude, type MessageRow } from './resources.js';
import type { Tx } from './transactions.js';

export interface NewMessage {
  chatId: number;
  senderId: number;
  type: MessageType;
  content: string | null;
  clientId: string | null;
  replyToId?: number | null;
  fileId?: number | null;
}

/**
 * Inserts a message with the chat's next seq, inside the caller's transaction. The chat row's
 * lock serialises the chat's messages until commit, so seq is gap-free and strictly increasing;
 * every other participant's unread counter goes up by one.
 */
export async function appendMessage(tx: Tx, message: NewMessage): Promise<MessageRow> {
  const at = now();
  const chat = await tx.chat.update({
    where: { id: message.chatId },
    data: { lastSeq: { increment: 1 }, lastActivityAt: at, updatedAt: at },
    select: { lastSeq: true },
  });
  const row = await tx.message.create({
    data: {
      chatId: message.chatId,
      seq: chat.lastSeq,
      senderId: message.senderId,
      type: message.type,
      content: message.content,
      clientId: message.clientId,
      replyToId: message.replyToId ?? null,
      fileId: message.fileId ?? null,
      createdAt: at,
      updatedAt: at,
    },
    include: messageInclude,
  });
  await tx.participant.updateMany({
    where: { chatId: message.chatId, userId: { not: message.senderId } },
    data: { unreadCount: { increment: 1 } },
  });
  return row;
}
