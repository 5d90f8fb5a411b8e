import { AppError } from '@kelisim/contracts';
import { Prisma } from '@kelisim/db';
import type { Tx } from './transactions.js';

/** A text message's body, as sent or edited: not blank, at most `maxLength` code points. */
export function validateContent(content: string, maxLength: number): void {
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

/** An act on a message that was deleted (edit, react). */
export function deletedMessageError(): AppError {
  return AppError.validation(
    { message_id: ['The message was deleted.'] },
    'The message was deleted.',
  );
}

/**
 * Writes (or rewrites) these messages' text into `message_search`, lowercased by the database as
 * the search query is, in one statement; messages without text are left out.
 */
export async function indexForSearch(tx: Tx, messageIds: bigint[]): Promise<void> {
  if (messageIds.length === 0) return;
  await tx.$executeRaw`
    REPLACE INTO message_search (chat_id, message_id, body)
    SELECT chat_id, id, LOWER(content) FROM messages
    WHERE id IN (${Prisma.join(messageIds)}) AND content IS NOT NULL`;
}
