import type { Db } from '@kelisim/db';
import type { GroupCommitSettings } from './group-commit.js';
import type { EventPublisher, FileLinks, JobQueue, RateLimiter } from './ports.js';

export interface DomainLimits {
  /** Longest accepted message body, in Unicode code points. */
  messageMaxLength: number;
  /** Most members a group may have, its creator included. */
  groupMaxMembers: number;
  /** How long after sending a message its sender may edit it, in seconds; unset or 0: always. */
  editWindowSeconds?: number | undefined;
}

/** Everything a use case may touch, handed in by the app that composes it. */
export interface DomainContext {
  db: Db;
  events: EventPublisher;
  jobs: JobQueue;
  sendRateLimiter: RateLimiter;
  /** Lets one "is typing" per user and chat through per window; the rest are dropped. */
  typingRateLimiter: RateLimiter;
  /** Chats created, per user. */
  chatCreateRateLimiter: RateLimiter;
  /** Users added to groups (one point each, at creation or later), per user. */
  participantAddRateLimiter: RateLimiter;
  /** Messages deleted, per user. */
  messageDeleteRateLimiter: RateLimiter;
  /** Message searches, per user. */
  searchRateLimiter: RateLimiter;
  limits: DomainLimits;
  /**
   * Signs the `url` and `thumbnail_url` of file resources; unset (a node without a signing key,
   * or that was not given one), both are null.
   */
  fileLinks?: FileLinks | undefined;
  /** How sends share transactions; the defaults when unset. */
  groupCommit?: GroupCommitSettings | undefined;
}

/** The authenticated user a use case acts for. */
export interface Actor {
  userId: number;
  /** The user's name when the transport already loaded it (saves a query per send). */
  name?: string | undefined;
}

/** Now, truncated to whole seconds as the TIMESTAMP(0) columns store it. */
export function now(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}
