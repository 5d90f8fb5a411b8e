import type {
  BlockResource,
  ChatResource,
  FileResource,
  MessageResource,
  ParticipantResource,
  ReactionSummary,
  ReplyPreview,
  UnreadCounts,
  UserSummary,
} from '@kelisim/contracts';
import type { Chat, ChatFile, Participant, Prisma, UserBlock } from '@kelisim/db';
import type { FileLinks } from './ports.js';

/** The quoted message a reply shows: enough to draw the quote and jump to it. */
export const replyPreviewSelect = {
  id: true,
  seq: true,
  content: true,
  deletedAt: true,
  sender: { select: { id: true, name: true } },
} satisfies Prisma.MessageSelect;

export type ReplyPreviewRow = Prisma.MessageGetPayload<{ select: typeof replyPreviewSelect }>;

/** Longest quote of the replied-to text in a reply, in code points. */
export const REPLY_PREVIEW_LENGTH = 200;

export const messageInclude = {
  sender: { select: { id: true, name: true } },
  file: true,
  replyTo: { select: replyPreviewSelect },
  mentions: { select: { userId: true }, orderBy: { userId: 'asc' } },
} satisfies Prisma.MessageInclude;

export type MessageRow = Prisma.MessageGetPayload<{ include: typeof messageInclude }>;

export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function toUserSummary(user: { id: bigint; name: string }): UserSummary {
  return { id: Number(user.id), name: user.name };
}

export function toBlockResource(
  block: UserBlock,
  blocked: { id: bigint; name: string },
): BlockResource {
  return { user: toUserSummary(blocked), created_at: iso(block.createdAt ?? new Date(0)) };
}

/** A file as its chat's members see it; `links` signs `url` and `thumbnail_url` once it is ready. */
export function toFileResource(file: ChatFile, links: FileLinks | undefined): FileResource {
  const id = Number(file.id);
  const linked = file.status === 'ready' && file.deletedAt === null ? links : undefined;
  return {
    id,
    chat_id: Number(file.chatId),
    uploader_id: Number(file.uploaderId),
    name: file.originalName,
    mime_type: file.mimeType,
    size: file.size === null ? null : Number(file.size),
    width: file.width,
    height: file.height,
    sha256: file.sha256,
    status: file.status,
    status_reason: file.statusReason,
    download_url: `/api/files/${file.id}/download`,
    url: linked ? linked.file({ id, name: file.originalName }) : null,
    thumbnail_url: linked && file.thumbnailKey ? linked.thumbnail(id) : null,
    created_at: iso(file.createdAt ?? new Date(0)),
  };
}

/** What other rows say about a message (`toMessageResources` loads it); none for a new one. */
export interface MessageExtras {
  reactions: ReactionSummary[];
  replyCount: number;
}

const newMessage: MessageExtras = { reactions: [], replyCount: 0 };

export function toMessageResource(
  row: MessageRow,
  links: FileLinks | undefined,
  extras: MessageExtras = newMessage,
): MessageResource {
  const deleted = row.deletedAt !== null;
  return {
    id: Number(row.id),
    chat_id: Number(row.chatId),
    seq: Number(row.seq),
    sender: toUserSummary(row.sender),
    type: row.type,
    content: deleted ? null : row.content,
    temp_id: row.clientId,
    reply_to_id: row.replyToId === null ? null : Number(row.replyToId),
    reply_to: row.replyTo && toReplyPreview(row.replyTo),
    reply_count: extras.replyCount,
    mentions: deleted ? [] : row.mentions.map((mention) => Number(mention.userId)),
    file: deleted || !row.file ? null : toFileResource(row.file, links),
    created_at: iso(row.createdAt ?? new Date(0)),
    deleted_at: iso(row.deletedAt),
    edited_at: iso(row.editedAt),
    pinned_at: iso(row.pinnedAt),
    pinned_by: row.pinnedBy === null ? null : Number(row.pinnedBy),
    reactions: deleted ? [] : extras.reactions,
  };
}

function toReplyPreview(target: ReplyPreviewRow): ReplyPreview {
  const deleted = target.deletedAt !== null;
  return {
    id: Number(target.id),
    seq: Number(target.seq),
    sender: toUserSummary(target.sender),
    content:
      deleted || target.content === null
        ? null
        : [...target.content].slice(0, REPLY_PREVIEW_LENGTH).join(''),
    deleted,
  };
}

export function toParticipantResource(
  participant: Participant & { user: { id: bigint; name: string } },
): ParticipantResource {
  return {
    user_id: Number(participant.userId),
    name: participant.user.name,
    role: participant.role,
    last_read_seq: Number(participant.lastReadSeq),
    joined_at: iso(participant.createdAt),
  };
}

/** What one participant sees of a chat. */
export interface ChatView {
  chat: Chat;
  me: Pick<Participant, 'role' | 'lastReadSeq' | 'unreadCount' | 'mutedUntil'>;
  unreadMentions: number;
  lastMessage: MessageResource | null;
  participantsCount: number;
  participants: UserSummary[];
}

export function toChatResource(view: ChatView): ChatResource {
  const { chat, me } = view;
  return {
    id: Number(chat.id),
    type: chat.type,
    name: chat.name,
    created_by: chat.createdBy === null ? null : Number(chat.createdBy),
    last_seq: Number(chat.lastSeq),
    last_message: view.lastMessage,
    last_activity_at: iso(chat.lastActivityAt),
    unread_count: me.unreadCount,
    unread_mentions: view.unreadMentions,
    muted_until: iso(me.mutedUntil),
    my_role: me.role,
    my_last_read_seq: Number(me.lastReadSeq),
    participants_count: view.participantsCount,
    participants: view.participants,
    created_at: iso(chat.createdAt),
  };
}

export interface ChatUnread {
  chatId: bigint;
  unreadCount: number;
  mentions: number;
  mutedUntil: Date | null;
}

/** Muted chats keep their counts but are left out of `total`. */
export function toUnreadCounts(rows: ChatUnread[], at = new Date()): UnreadCounts {
  const chats = rows.map((r) => ({
    chat_id: Number(r.chatId),
    unread: r.unreadCount,
    mentions: r.mentions,
    muted: r.mutedUntil !== null && r.mutedUntil > at,
  }));
  return {
    total: chats.reduce((sum, c) => sum + (c.muted ? 0 : c.unread), 0),
    mentions: chats.reduce((sum, c) => sum + c.mentions, 0),
    chats,
  };
}
