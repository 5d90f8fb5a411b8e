import type { ChatEventName, EchoMember, ServerEventName, ServerEvents } from '@kelisim/contracts';

/**
 * Who receives a pushed event: members of chats and/or users (all their connections). Only a
 * chat's own events go to its members: Echo's form of them is made from that delivery.
 */
export interface Audience<E extends ServerEventName = ServerEventName> {
  chatIds?: E extends ChatEventName ? number[] : never;
  userIds?: number[];
}

/**
 * Live pushes after a committed change. Best effort: a push may be lost (clients resume by seq),
 * so implementations never throw and never make a use case fail.
 */
export interface EventPublisher {
  publish<E extends ServerEventName>(
    audience: Audience<E>,
    event: E,
    payload: ServerEvents[E],
  ): void;
  /** Makes the users' live connections members (or no longer members) of the chat. */
  joinChat(userIds: number[], chatId: number): void;
  leaveChat(userIds: number[], chatId: number): void;
}

export type RateLimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts `points` actions (default 1) for `key`; shared across nodes. */
export interface RateLimiter {
  consume(key: string, points?: number): Promise<RateLimitResult>;
}

/** Background work, run by the worker. Implementations persist jobs (BullMQ) so none is lost. */
export interface JobQueue {
  /** Sniffs, hashes and thumbnails an upload, then posts its message. Rejects if not queued. */
  processFile(fileId: number): Promise<void>;
  /**
   * Recomputes exact unread counts of the chat's participants (or just `userIds`) from MySQL and
   * pushes them. Debounced per chat and user; best effort (a periodic reconcile catches misses).
   */
  recomputeUnread(chatId: number, userIds?: number[]): void;
  /**
   * Removes the stored object and thumbnail of a deleted, rejected or failed file. Best effort:
   * never throws (a failure is logged); the periodic orphan sweep removes whatever it missed.
   */
  deleteFileObjects(fileId: number): void;
  /**
   * Pushes `unread_count` (the stored counters, as `GET /api/unread-count` answers) to every
   * socket of the users and of the chats' participants, after a change of their counters. The
   * audience is marked, and one push job for everything marked runs a few times per second at
   * most, one at a time in the cluster; a change while it runs is followed by another, so each
   * user's last push equals the stored counters. Never throws.
   */
  pushUnreadCounts(audience: Audience): void;
  /** Takes everyone marked for the next push (the push job's input), leaving none marked. */
  takeUnreadPushes(): Promise<Audience>;
  /**
   * Tells Laravel about the event with a signed webhook, delivered and retried by the worker
   * (docs/WEBHOOKS.md). Does nothing when webhooks are off. Never throws: the change it reports
   * stands even when the webhook cannot be queued (that is logged).
   */
  notifyLaravel<E extends LaravelEventName>(event: E, payload: LaravelEvents[E]): void;
}

/**
 * What Laravel hears about through webhooks, by event name, as queued by the domain. Queued jobs
 * hold ids, never message text: the worker reads the message when it delivers.
 */
export interface LaravelEvents {
  'message.created': { message_id: number };
  'presence.changed': ServerEvents['presence'];
}

export type LaravelEventName = keyof LaravelEvents;

/**
 * Expiring links to a file's bytes that work without a token (`<img src>`, plain downloads),
 * signed by packages/storage; the nodes serve them under STORAGE_BASE_URL's path.
 */
export interface FileLinks {
  file(file: { id: number; name: string }): string;
  thumbnail(fileId: number): string;
}

/** Who is connected right now, on any node. */
export interface PresenceReader {
  onlineUsers(userIds: number[]): Promise<Set<number>>;
}

/** One live connection of a member to a Laravel Echo presence channel. */
export interface ChannelConnection {
  channel: string;
  member: EchoMember;
  connectionId: string;
}

/**
 * Who is present in Echo presence channels, across nodes (packages/redis implements it). A member
 * is present from the join of their first connection until the leave of their last one, or until
 * all their connections expired (their node died) and a sweep removed them.
 */
export interface ChannelPresenceStore {
  /** Records (or refreshes) the connection; true when its member was not present before. */
  join(connection: ChannelConnection): Promise<boolean>;
  /** Removes the connection; its member when that was their last one, else null. */
  leave(
    channel: string,
    userId: EchoMember['user_id'],
    connectionId: string,
  ): Promise<EchoMember | null>;
  /** Refreshes live connections; returns those whose member became present again by it. */
  heartbeat(connections: ChannelConnection[]): Promise<ChannelConnection[]>;
  /** Removes the members whose every connection expired and returns them, each to one caller. */
  sweep(): Promise<{ channel: string; member: EchoMember }[]>;
}

/** Tells a presence channel's subscribers, on every node, who joined and who left. */
export interface ChannelPresenceAnnouncer {
  /** To everyone in the channel but the joining connection itself. */
  joining(connection: ChannelConnection): void;
  leaving(channel: string, member: EchoMember): void;
}
