import { z } from 'zod';
import type { ErrorCode } from './errors.js';
import { contentSchema, idSchema, seqSchema, tempIdSchema } from './primitives.js';
import type {
  ChatResource,
  FileResource,
  MessageResource,
  UnreadCounts,
  UserSummary,
} from './resources.js';

/** Client → server payloads (the seed's frames without `type`). */
export const sendMessageEvent = z.object({
  chat_id: idSchema,
  content: contentSchema,
  message_type: z.literal('text').default('text'),
  temp_id: tempIdSchema.nullish(),
  reply_to_id: idSchema.nullish(),
});
export const typingEvent = z.object({ chat_id: idSchema, is_typing: z.boolean() });
export const markReadEvent = z.object({ chat_id: idSchema, seq: seqSchema });
export const syncEvent = z.object({
  chat_id: idSchema,
  after_seq: seqSchema,
  limit: z.number().int().min(1).max(100).default(100),
});

export type AckError = { ok: false; error: { code: ErrorCode; message: string } };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export interface ClientToServerEvents {
  send_message: (
    payload: z.input<typeof sendMessageEvent>,
    ack: (res: Ack<{ message: MessageResource }>) => void,
  ) => void;
  typing: (payload: z.input<typeof typingEvent>, ack?: (res: Ack) => void) => void;
  mark_read: (
    payload: z.input<typeof markReadEvent>,
    ack?: (res: Ack<{ last_read_seq: number; unread_count: number }>) => void,
  ) => void;
  sync: (
    payload: z.input<typeof syncEvent>,
    ack: (res: Ack<{ messages: MessageResource[]; has_more: boolean }>) => void,
  ) => void;
}

/** Server → client events, as pushed by the gateway, the API and the worker alike. */
export interface ServerEvents {
  new_message: { message: MessageResource };
  message_deleted: { chat_id: number; message_id: number; seq: number };
  message_read: { chat_id: number; user_id: number; last_read_seq: number };
  unread_count: UnreadCounts;
  typing: { chat_id: number; user: UserSummary; is_typing: boolean };
  presence: { user_id: number; status: 'online' | 'offline'; last_seen_at: string | null };
  participant_added: { chat_id: number; user_id: number };
  participant_removed: { chat_id: number; user_id: number };
  chat_created: { chat: ChatResource };
  file_ready: { file: FileResource; message: MessageResource };
  /** To the uploader only: the upload was refused (`rejected`) or could not be processed (`failed`). */
  file_failed: { file: FileResource };
  error: { code: ErrorCode; message: string };
}

export type ServerEventName = keyof ServerEvents;

export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerEvents[E]) => void;
};
