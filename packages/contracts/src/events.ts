import { z } from 'zod';
import type { SocketError } from './errors.js';
import {
  contentSchema,
  emojiSchema,
  idSchema,
  mentionsSchema,
  seqSchema,
  tempIdSchema,
} from './primitives.js';
import type {
  ChatResource,
  ChatSettings,
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
  mentions: mentionsSchema.optional(),
});
export const editMessageEvent = z.object({ message_id: idSchema, content: contentSchema });
/** `on`: add my reaction with this emoji (true) or take it back (false). */
export const reactEvent = z.object({ message_id: idSchema, emoji: emojiSchema, on: z.boolean() });
export const typingEvent = z.object({ chat_id: idSchema, is_typing: z.boolean() });
/** "Is typing" is relayed once per user and chat in this window: clients need not repeat it sooner. */
export const TYPING_REPEAT_WINDOW_MS = 2_000;
export const markReadEvent = z.object({ chat_id: idSchema, seq: seqSchema });
export const syncEvent = z.object({
  chat_id: idSchema,
  after_seq: seqSchema,
  limit: z.number().int().min(1).max(100).default(100),
});

/** Most chats one `sync_chats` may resume. */
export const SYNC_CHATS_MAX = 200;

/** Resume of many chats in one round trip: each chat's messages after its `after_seq`. */
export const syncChatsEvent = z.object({
  chats: z
    .array(z.object({ chat_id: idSchema, after_seq: seqSchema }))
    .min(1)
    .max(SYNC_CHATS_MAX)
    .refine((chats) => new Set(chats.map((c) => c.chat_id)).size === chats.length, {
      message: 'Each chat_id may appear once.',
    }),
  limit_per_chat: z.number().int().min(1).max(100).default(50),
});

export interface ChatSync {
  chat_id: number;
  /** Ascending by seq, deleted ones as tombstones. */
  messages: MessageResource[];
  has_more: boolean;
}
/** A fresh token for the same user, on a live connection (before or after `auth_expired`). */
export const reauthEvent = z.object({ token: z.string().min(1).max(8192) });

/** Why a live connection's credentials stopped being good (`auth_revoked`). */
export const authRevokedReasons = ['logged_out', 'token_revoked', 'user_deleted'] as const;
export type AuthRevokedReason = (typeof authRevokedReasons)[number];

export type AckError = { ok: false; error: SocketError };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export interface ClientToServerEvents {
  send_message: (
    payload: z.input<typeof sendMessageEvent>,
    ack: (res: Ack<{ message: MessageResource }>) => void,
  ) => void;
  edit_message: (
    payload: z.input<typeof editMessageEvent>,
    ack: (res: Ack<{ message: MessageResource }>) => void,
  ) => void;
  react: (
    payload: z.input<typeof reactEvent>,
    ack?: (res: Ack<{ message: MessageResource }>) => void,
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
  /** `not_found`: asked-for chats the user takes no part in (left, removed, or never). */
  sync_chats: (
    payload: z.input<typeof syncChatsEvent>,
    ack: (res: Ack<{ chats: ChatSync[]; not_found: number[] }>) => void,
  ) => void;
  reauth: (
    payload: z.input<typeof reauthEvent>,
    ack: (res: Ack<{ expires_at: string | null }>) => void,
  ) => void;
}

export interface ReactionChange {
  chat_id: number;
  message_id: number;
  emoji: string;
  user_id: number;
  count: number;
}

/** Server → client events, as pushed by the gateway, the API and the worker alike. */
export interface ServerEvents {
  new_message: { message: MessageResource };
  message_deleted: { chat_id: number; message_id: number; seq: number };
  /** To each user a new message mentions (besides `new_message`). */
  mentioned: { chat_id: number; message: MessageResource };
  message_pinned: { chat_id: number; message: MessageResource };
  message_unpinned: { chat_id: number; message_id: number };
  /** To my own connections: my settings for a chat changed (on another device, say). */
  chat_settings: ChatSettings;
  /** The text was edited (`edited_at` is set); `seq` is unchanged. */
  message_updated: { message: MessageResource };
  /** `count`: how many reactions with this emoji the message has now. */
  reaction_added: ReactionChange;
  reaction_removed: ReactionChange;
  message_read: { chat_id: number; user_id: number; last_read_seq: number };
  unread_count: UnreadCounts;
  typing: { chat_id: number; user: UserSummary; is_typing: boolean };
  presence: { user_id: number; status: 'online' | 'offline'; last_seen_at: string | null };
  /** Right after connect: who among the users sharing a chat with me is online now. */
  presence_snapshot: { users: ServerEvents['presence'][] };
  participant_added: { chat_id: number; user_id: number };
  participant_removed: { chat_id: number; user_id: number };
  chat_created: { chat: ChatResource };
  file_ready: { file: FileResource; message: MessageResource };
  /** To the uploader only: the upload was refused (`rejected`) or could not be processed (`failed`). */
  file_failed: { file: FileResource };
  error: SocketError;
  /** The connection's token has expired: only `reauth` is accepted until `grace_seconds` end. */
  auth_expired: { expires_at: string; grace_seconds: number };
  /** The token was revoked or its user deleted; the server disconnects right after. */
  auth_revoked: { reason: AuthRevokedReason };
}

export type ServerEventName = keyof ServerEvents;

/**
 * The events of a chat, pushed to its members (the `chat:<id>` room), and the chat each names.
 * Laravel Echo clients subscribed to `private-chat.<id>` get exactly these, in Echo's form.
 */
export const chatEventChat = {
  new_message: (payload) => payload.message.chat_id,
  message_updated: (payload) => payload.message.chat_id,
  message_deleted: (payload) => payload.chat_id,
  message_pinned: (payload) => payload.chat_id,
  message_unpinned: (payload) => payload.chat_id,
  reaction_added: (payload) => payload.chat_id,
  reaction_removed: (payload) => payload.chat_id,
  message_read: (payload) => payload.chat_id,
  typing: (payload) => payload.chat_id,
  participant_added: (payload) => payload.chat_id,
  participant_removed: (payload) => payload.chat_id,
  file_ready: (payload) => payload.message.chat_id,
} satisfies { [E in ServerEventName]?: (payload: ServerEvents[E]) => number };

export type ChatEventName = keyof typeof chatEventChat;

/** The chat of a chat event's payload; undefined for any other event or shape. */
export function chatOfEvent(event: string, payload: unknown): number | undefined {
  if (!Object.hasOwn(chatEventChat, event) || typeof payload !== 'object' || payload === null) {
    return undefined;
  }
  const chatOf = chatEventChat[event as ChatEventName] as (payload: unknown) => unknown;
  try {
    const chatId = chatOf(payload);
    return typeof chatId === 'number' ? chatId : undefined;
  } catch {
    return undefined;
  }
}

export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerEvents[E]) => void;
};
