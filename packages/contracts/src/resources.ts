import { z } from 'zod';

export const chatTypes = ['direct', 'group'] as const;
export const participantRoles = ['owner', 'admin', 'member'] as const;
export const messageTypes = ['text', 'image', 'file', 'system'] as const;
export const fileStatuses = ['processing', 'ready', 'rejected', 'failed'] as const;

export const userSummarySchema = z.object({ id: z.number(), name: z.string() });

export const fileResourceSchema = z.object({
  id: z.number(),
  chat_id: z.number(),
  uploader_id: z.number(),
  name: z.string(),
  mime_type: z.string().nullable(),
  size: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  sha256: z.string().nullable(),
  status: z.enum(fileStatuses),
  status_reason: z.string().nullable(),
  /** Authenticated download (attachment), relative to the API's origin. */
  download_url: z.string(),
  /**
   * The bytes without a token (plain downloads, `<img src>`): an expiring signed link under
   * STORAGE_BASE_URL, `<base>/<id>/<name>?expires=…&signature=…`. null until the file is ready.
   */
  url: z.string().nullable(),
  /** Its small WebP preview for images, the same kind of link (`<base>/<id>/thumbnail?…`); else null. */
  thumbnail_url: z.string().nullable(),
  created_at: z.string(),
});

/** A message's reactions with one emoji; `me`: the reader is among them. */
export const reactionSummarySchema = z.object({
  emoji: z.string(),
  count: z.number(),
  me: z.boolean(),
});

/** The message a reply answers, as the reply shows it. */
export const replyPreviewSchema = z.object({
  id: z.number(),
  seq: z.number(),
  sender: userSummarySchema,
  /** Its first 200 characters; null once deleted (or a file message without a caption). */
  content: z.string().nullable(),
  deleted: z.boolean(),
});

export const messageResourceSchema = z.object({
  id: z.number(),
  chat_id: z.number(),
  seq: z.number(),
  sender: userSummarySchema,
  type: z.enum(messageTypes),
  /** null once deleted: deleted messages stay in the history as tombstones so `seq` has no gaps. */
  content: z.string().nullable(),
  temp_id: z.string().nullable(),
  reply_to_id: z.number().nullable(),
  /** Null when this is no reply, or the message it answered is gone with its chat. */
  reply_to: replyPreviewSchema.nullable(),
  /** Replies to this message that are not deleted (`GET /api/messages/:id/replies`). */
  reply_count: z.number(),
  /** Users the message mentions, ascending; none once deleted. */
  mentions: z.array(z.number()),
  file: fileResourceSchema.nullable(),
  created_at: z.string(),
  deleted_at: z.string().nullable(),
  /** When the text was last edited; null if never. */
  edited_at: z.string().nullable(),
  /** Pinned to its chat (`GET /api/chats/:id/pins`): when and by whom; null if not. */
  pinned_at: z.string().nullable(),
  pinned_by: z.number().nullable(),
  /**
   * In the order each emoji was first used; empty once deleted. Pushed copies of a message
   * (`new_message`, `message_updated`, `file_ready`) go to everyone alike: their `me` is false.
   */
  reactions: z.array(reactionSummarySchema),
});

export const participantResourceSchema = z.object({
  user_id: z.number(),
  name: z.string(),
  role: z.enum(participantRoles),
  last_read_seq: z.number(),
  joined_at: z.string().nullable(),
});

export const chatResourceSchema = z.object({
  id: z.number(),
  type: z.enum(chatTypes),
  name: z.string().nullable(),
  created_by: z.number().nullable(),
  last_seq: z.number(),
  last_message: messageResourceSchema.nullable(),
  last_activity_at: z.string().nullable(),
  unread_count: z.number(),
  /** Messages after my read cursor that mention me. */
  unread_mentions: z.number(),
  /** Until then my unread messages here are left out of my unread total; null: not muted. */
  muted_until: z.string().nullable(),
  my_role: z.enum(participantRoles),
  my_last_read_seq: z.number(),
  participants_count: z.number(),
  /** The first participants (up to 10), for titles and avatars in chat lists. */
  participants: z.array(userSummarySchema),
  created_at: z.string().nullable(),
});

export const readStateSchema = z.object({
  chat_id: z.number(),
  last_read_seq: z.number(),
  unread_count: z.number(),
});

export const unreadCountsSchema = z.object({
  total: z.number(),
  /** Unread messages that mention me, over all my chats (muted ones too). */
  mentions: z.number(),
  /** `muted`: left out of `total`. */
  chats: z.array(
    z.object({
      chat_id: z.number(),
      unread: z.number(),
      mentions: z.number(),
      muted: z.boolean(),
    }),
  ),
});

/** A message that matched a search, with where it matched (in characters of `content`). */
export const searchHitSchema = z.object({
  message: messageResourceSchema,
  matches: z.array(z.object({ start: z.number(), length: z.number() })),
});

/** My settings for one chat. */
export const chatSettingsSchema = z.object({
  chat_id: z.number(),
  muted_until: z.string().nullable(),
});

export type UserSummary = z.infer<typeof userSummarySchema>;
export type FileResource = z.infer<typeof fileResourceSchema>;
export type MessageResource = z.infer<typeof messageResourceSchema>;
export type ReactionSummary = z.infer<typeof reactionSummarySchema>;
export type ReplyPreview = z.infer<typeof replyPreviewSchema>;
export type ParticipantResource = z.infer<typeof participantResourceSchema>;
export type ChatResource = z.infer<typeof chatResourceSchema>;
export type ReadState = z.infer<typeof readStateSchema>;
export type UnreadCounts = z.infer<typeof unreadCountsSchema>;
export type ChatSettings = z.infer<typeof chatSettingsSchema>;
export type SearchHit = z.infer<typeof searchHitSchema>;
export type ChatType = (typeof chatTypes)[number];
export type ParticipantRole = (typeof participantRoles)[number];
export type MessageType = (typeof messageTypes)[number];
