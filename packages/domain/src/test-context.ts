import { afterAll, beforeAll } from 'vitest';
import { TYPING_REPEAT_WINDOW_MS } from '@kelisim/contracts';
import {
  createMemoryRateLimiter,
  createTestDatabase,
  createUsers,
  RecordingJobQueue,
  RecordingPublisher,
  testDomainContext,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';
import type { Actor, DomainContext } from './context.js';
import { createChat } from './use-cases/create-chat.js';

export interface DomainHarness {
  database: TestDatabase;
  publisher: RecordingPublisher;
  jobs: RecordingJobQueue;
  ctx: DomainContext;
}

/** A migrated database of the test file's own and a domain context over it. */
export async function createDomainHarness(label: string): Promise<DomainHarness> {
  const database = await createTestDatabase(label);
  const publisher = new RecordingPublisher();
  const jobs = new RecordingJobQueue();
  return {
    database,
    publisher,
    jobs,
    ctx: testDomainContext({
      db: database.db,
      events: publisher,
      jobs,
      typingRateLimiter: createMemoryRateLimiter(1, TYPING_REPEAT_WINDOW_MS / 1000),
      limits: { messageMaxLength: 100, groupMaxMembers: 1_000 },
    }),
  };
}

export interface DomainTestFile extends DomainHarness {
  users: TestUser[];
  /** One actor per user, in the same order. */
  actors: Actor[];
}

/**
 * A harness for the whole test file, with `userCount` users named `${userName} n`; the database is
 * dropped after the file's tests. The object is filled in before the first test, but `users` and
 * `actors` are the same arrays throughout, so the file may destructure them at the top.
 */
export function useDomainHarness(label: string, userCount = 0, userName = 'User'): DomainTestFile {
  const users: TestUser[] = [];
  const actors = Array.from({ length: userCount }, (): Actor => ({ userId: 0 }));
  const file = { users, actors } as DomainTestFile;
  beforeAll(async () => {
    Object.assign(file, await createDomainHarness(label), { users, actors });
    users.push(...(await createUsers(file.database.db, userCount, userName)));
    users.forEach((user, i) => (actors[i]!.userId = user.id));
  });
  afterAll(() => file.database.drop());
  return file;
}

/** A group chat created by `owner` with the others; its id. */
export async function createGroup(
  ctx: DomainContext,
  owner: Actor,
  ...others: Actor[]
): Promise<number> {
  const { chat } = await createChat(ctx, owner, {
    type: 'group',
    participant_ids: others.map((actor) => actor.userId),
  });
  return chat.id;
}
