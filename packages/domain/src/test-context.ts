import {
  createMemoryRateLimiter,
  createTestDatabase,
  RecordingJobQueue,
  RecordingPublisher,
  testDomainContext,
  type TestDatabase,
} from '@kelisim/testing';
import type { DomainContext } from './context.js';

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
      typingRateLimiter: createMemoryRateLimiter(1, 2),
      limits: { messageMaxLength: 100, groupMaxMembers: 1_000 },
    }),
  };
}
