import { AppError } from '@kelisim/contracts';

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

/** What search compares a message's text as (`message_search.body`): lowercased. */
export function searchBody(content: string): string {
  return content.toLowerCase();
}
