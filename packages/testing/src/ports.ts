import type { ServerEventName, ServerEvents } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
// A type-only path import: the domain's tests depend on this package, so a package dependency
// back on @kelisim/domain would make a cycle.
import type {
  Audience,
  EventPublisher,
  JobQueue,
  LaravelEventName,
  LaravelEvents,
  RateLimiter,
  RateLimitResult,
} from '../../domain/src/ports.js';

export interface RecordedEvent<E extends ServerEventName = ServerEventName> {
  audience: Audience;
  event: E;
  payload: ServerEvents[E];
}

/** An in-memory EventPublisher that remembers what the domain published, in order. */
export class RecordingPublisher implements EventPublisher {
  readonly events: RecordedEvent[] = [];
  readonly joins: { userIds: number[]; chatId: number }[] = [];
  readonly leaves: { userIds: number[]; chatId: number }[] = [];

  publish<E extends ServerEventName>(audience: Audience, event: E, payload: ServerEvents[E]): void {
    this.events.push({ audience, event, payload });
  }

  joinChat(userIds: number[], chatId: number): void {
    this.joins.push({ userIds, chatId });
  }

  leaveChat(userIds: number[], chatId: number): void {
    this.leaves.push({ userIds, chatId });
  }

  of<E extends ServerEventName>(event: E): RecordedEvent<E>[] {
    return this.events.filter((e): e is RecordedEvent<E> => e.event === event);
  }

  clear(): void {
    this.events.length = 0;
    this.joins.length = 0;
    this.leaves.length = 0;
  }
}

/** An in-memory fixed-window RateLimiter, for a single process. */
export function createMemoryRateLimiter(points: number, windowSeconds: number): RateLimiter {
  const windows = new Map<string, { startedAt: number; used: number }>();
  return {
    consume(key: string, cost = 1): Promise<RateLimitResult> {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || now - window.startedAt >= windowSeconds * 1000) {
        window = { startedAt: now, used: 0 };
        windows.set(key, window);
      }
      if (window.used + cost > points) {
        const waitMs = window.startedAt + windowSeconds * 1000 - now;
        return Promise.resolve({
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        });
      }
      window.used += cost;
      return Promise.resolve({ allowed: true });
    },
  };
}

/** ChatConfig's group cap and membership rate limits, loose enough for any test. */
export const looseMembershipLimits = {
  groupMaxMembers: 1_000,
  createRateLimit: { points: 1_000_000, windowSeconds: 60 },
  participantAddRateLimit: { points: 1_000_000, windowSeconds: 60 },
  deleteRateLimit: { points: 1_000_000, windowSeconds: 60 },
  searchRateLimit: { points: 1_000_000, windowSeconds: 60 },
};

/** The domain's membership rate limiters (in memory), loose enough for any test. */
export function looseMembershipLimiters() {
  return {
    chatCreateRateLimiter: createMemoryRateLimiter(1_000_000, 60),
    participantAddRateLimiter: createMemoryRateLimiter(1_000_000, 60),
    messageDeleteRateLimiter: createMemoryRateLimiter(1_000_000, 60),
    searchRateLimiter: createMemoryRateLimiter(1_000_000, 60),
  };
}

/**
 * A domain context over the given database and ports, with in-memory rate limiters and limits
 * loose enough for any test; any field can be overridden.
 */
export function testDomainContext<T extends { db: Db; events: object; jobs: object }>(parts: T) {
  return {
    sendRateLimiter: createMemoryRateLimiter(1_000_000, 60),
    typingRateLimiter: createMemoryRateLimiter(1_000_000, 60),
    ...looseMembershipLimiters(),
    limits: { messageMaxLength: 10_000, groupMaxMembers: looseMembershipLimits.groupMaxMembers },
    ...parts,
  };
}

/** An in-memory JobQueue that remembers what the domain queued. */
export class RecordingJobQueue implements JobQueue {
  readonly files: number[] = [];
  readonly unread: { chatId: number; userIds?: number[] | undefined }[] = [];
  /** `unread_count` pushes queued, by audience. */
  readonly unreadPushes: Audience[] = [];
  /** Files whose stored objects were queued for removal. */
  readonly removedFiles: number[] = [];
  /** Webhooks for Laravel, as `notifyLaravel` was called (whether or not webhooks are on). */
  readonly webhooks: { event: LaravelEventName; payload: unknown }[] = [];

  processFile(fileId: number): Promise<void> {
    this.files.push(fileId);
    return Promise.resolve();
  }

  recomputeUnread(chatId: number, userIds?: number[]): void {
    this.unread.push({ chatId, userIds });
  }

  pushUnreadCounts(audience: Audience): void {
    this.unreadPushes.push(audience);
  }

  /** Marks are only recorded here: the push job finds none. */
  takeUnreadPushes(): Promise<Audience> {
    return Promise.resolve({});
  }

  deleteFileObjects(fileId: number): void {
    this.removedFiles.push(fileId);
  }

  notifyLaravel<E extends LaravelEventName>(event: E, payload: LaravelEvents[E]): void {
    this.webhooks.push({ event, payload });
  }

  clear(): void {
    this.files.length = 0;
    this.unread.length = 0;
    this.unreadPushes.length = 0;
    this.removedFiles.length = 0;
    this.webhooks.length = 0;
  }
}
