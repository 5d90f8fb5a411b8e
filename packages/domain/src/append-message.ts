import { AppError, type MessageType } from '@kelisim/contracts';
import type { ChatFile } from '@kelisim/db';
import { requireParticipant } from './access.js';
import { now } from './context.js';
import type { MessageRow } from './resources.js';
import type { Tx } from './transactions.js';

export interface NewMessage {
  chatId: number;
  sender: { id: number; name: string };
  type: MessageType;
  content: string | null;
  clientId: string | null;
  replyToId?: number | null;
  file?: ChatFile | null;
  /** Refuse (not_found) unless the chat is not deleted and the sender takes part in it. */
  senderMustTakePart?: boolean;
}

/**
 * Inserts a message with the chat's next seq, inside the caller's transaction. The chat row's
 * lock serialises the chat's messages until commit, so seq is gap-free and strictly increasing;
 * every other participant's unread counter goes up by one.
 *
 * This is the send path's hot spot, so it issues the fewest statements (no existence checks or
 * read-backs) and builds the stored row from what it wrote.
 */
export async function appendMessage(tx: Tx, message: NewMessage): Promise<MessageRow> {
  const at = now();
  const bumped = await tx.$executeRaw`
    UPDATE chats SET last_seq = last_seq + 1, last_activity_at = ${at}, updated_at = ${at}
    WHERE id = ${message.chatId}`;
  if (bumped === 0) throw new AppError('not_found', 'Chat not found.');
  // Checked under the chat row's lock; a plain read, so the participant row is not locked ahead
  // of the unread update below.
  if (message.senderMustTakePart) await requireParticipant(tx, message.chatId, message.sender.id);
  const [chat] = await tx.$queryRaw<{ last_seq: bigint }[]>`
    SELECT last_seq FROM chats WHERE id = ${message.chatId}`;
  const fields = {
    chatId: BigInt(message.chatId),
    seq: BigInt(chat!.last_seq),
    senderId: BigInt(message.sender.id),
    type: message.type,
    content: message.content,
    clientId: message.clientId,
    replyToId: message.replyToId == null ? null : BigInt(message.replyToId),
    fileId: message.file?.id ?? null,
    createdAt: at,
    updatedAt: at,
  };
  const { id } = await tx.message.create({ data: fields, select: { id: true } });
  await tx.$executeRaw`
    UPDATE participants SET unread_count = unread_count + 1
    WHERE chat_id = ${message.chatId} AND user_id <> ${message.sender.id}`;
  return {
    id,
    ...fields,
    deletedAt: null,
    sender: { id: BigInt(message.sender.id), name: message.sender.name },
    file: message.file ?? null,
  };
}
