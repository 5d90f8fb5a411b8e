import { z } from 'zod';
import {
  contentSchema,
  emojiSchema,
  idSchema,
  limitSchema,
  mentionsSchema,
  seqSchema,
  tempIdSchema,
} from './primitives.js';
import { chatTypes } from './resources.js';

export const maxParticipantsPerRequest = 500;

export const createChatBody = z
  .object({
    type: z.enum(chatTypes),
    name: z.string().trim().min(1).max(255).nullish(),
    participant_ids: z.array(idSchema).max(maxParticipantsPerRequest),
  })
  .refine((body) => body.type !== 'direct' || body.name == null, {
    path: ['name'],
    message: 'A direct chat has no name.',
  });

export const addParticipantsBody = z.object({
  user_ids: z.array(idSchema).min(1).max(maxParticipantsPerRequest),
});

export const sendMessageBody = z.object({
  content: contentSchema,
  type: z.literal('text').default('text'),
  temp_id: tempIdSchema.nullish(),
  reply_to_id: idSchema.nullish(),
  mentions: mentionsSchema.optional(),
});

export const editMessageBody = z.object({ content: contentSchema });

/** `muted_until`: an ISO 8601 instant (later than 2038-01-19T03:14:07Z is stored as that), or null. */
export const chatSettingsBody = z.object({
  muted_until: z.iso.datetime({ offset: true }).nullable(),
});

/** The seed's `PUT /messages/:id/status` takes no body: no body, or no status, means read. */
export const messageStatusBody = z.object({ status: z.literal('read').default('read') });

export const markChatReadBody = z.object({ seq: seqSchema.optional() }).default({});

export const messagesQuery = z
  .object({
    limit: limitSchema(50, 100),
    before: seqSchema.optional(),
    after: seqSchema.optional(),
  })
  .refine((q) => q.before === undefined || q.after === undefined, {
    path: ['before'],
    message: 'Use either before or after, not both.',
  });

export const chatsQuery = z.object({
  limit: limitSchema(20, 100),
  cursor: z.string().max(200).optional(),
});

export const chatIdParams = z.object({ id: idSchema });
export const messageIdParams = z.object({ id: idSchema });

/** Longest search query, in characters. */
export const SEARCH_QUERY_MAX = 100;

export const searchMessagesQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'Type something to search for.')
    .max(SEARCH_QUERY_MAX, `At most ${SEARCH_QUERY_MAX} characters.`),
  chat_id: idSchema.optional(),
  /** The `id` of the last hit held: the next page holds older messages. */
  before: idSchema.optional(),
  limit: limitSchema(20, 50),
});
export const repliesQuery = z.object({ limit: limitSchema(50, 100), after: seqSchema.optional() });
export const participantParams = z.object({ id: idSchema, userId: idSchema });
export const reactionParams = z.object({ id: idSchema, emoji: emojiSchema });

export type CreateChatBody = z.infer<typeof createChatBody>;
export type AddParticipantsBody = z.infer<typeof addParticipantsBody>;
export type SendMessageBody = z.infer<typeof sendMessageBody>;
export type MessagesQuery = z.infer<typeof messagesQuery>;
export type ChatsQuery = z.infer<typeof chatsQuery>;

export const uploadFields = z.object({
  content: z.string().max(10_000).optional(),
  temp_id: tempIdSchema.optional(),
});

export const filesQuery = z.object({
  limit: limitSchema(20, 100),
  before: idSchema.optional(),
});

export const fileIdParams = z.object({ id: idSchema });
