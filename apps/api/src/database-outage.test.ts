import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '@kelisim/auth';
import { createDb, type Db } from '@kelisim/db';
import { silentLogger } from '@kelisim/logger';
import { createMetrics } from '@kelisim/ops';
import {
  CuttableProxy,
  RecordingJobQueue,
  RecordingPublisher,
  createMemoryRateLimiter,
  createTestDatabase,
  createUsers,
  looseMembershipLimiters,
  testJwtConfig,
  tokenFor,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';
import { createApp } from './app.js';

let database: TestDatabase;
let proxy: CuttableProxy;
let db: Db;
let users: TestUser[];
const metrics = createMetrics();
let http: ReturnType<typeof supertest>;

beforeAll(async () => {
  database = await createTestDatabase('db_outage');
  users = await createUsers(database.db, 2, 'Outage');
  proxy = new CuttableProxy(database.config);
  await proxy.open();
  db = createDb({ ...database.config, port: proxy.port, connectionLimit: 2 });
  const app = createApp({
    logger: silentLogger(),
    metrics,
    verifyToken: createAuthenticator(testJwtConfig),
    healthChecks: { database: () => db.$queryRaw`SELECT 1` },
    domain: {
      db,
      events: new RecordingPublisher(),
      jobs: new RecordingJobQueue(),
      sendRateLimiter: createMemoryRateLimiter(1_000, 60),
      typingRateLimiter: createMemoryRateLimiter(1_000, 60),
      ...looseMembershipLimiters(),
      limits: { messageMaxLength: 1_000, groupMaxMembers: 1_000 },
    },
  });
  http = supertest(app);
});
afterAll(async () => {
  await proxy.cut().catch(() => {});
  await db.$disconnect();
  await database.drop();
});

const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

describe('MySQL going away', () => {
  it('answers 503 unavailable (not 500), reports not-ready and counts it; recovers when MySQL is back', async () => {
    const [owner, member] = users as [TestUser, TestUser];
    const created = await http
      .post('/api/chats')
      .set(auth(owner))
      .send({ type: 'group', participant_ids: [member.id] });
    expect(created.status).toBe(201);
    const chatId = created.body.data.id as number;

    await proxy.cut();
    const { port } = proxy;
    // Authentication reads `users` too, so every authenticated endpoint meets the outage.
    const send = await http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: 'while down' });
    expect(send.status).toBe(503);
    expect(send.body).toMatchObject({ code: 'unavailable' });
    expect((await http.get('/health/ready')).status).toBe(503);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^kelisim_dependency_errors_total\{dependency="database"\} [1-9]/m);

    await proxy.open(port);
    await expect
      .poll(async () => (await http.get('/health/ready')).status, { timeout: 20_000 })
      .toBe(200);
    const after = await http
      .post(`/api/chats/${chatId}/messages`)
      .set(auth(owner))
      .send({ content: 'after' });
    expect(after.status).toBe(201);
    expect(after.body.data.seq).toBe(1);
    expect(await database.db.message.count({ where: { chatId } })).toBe(1);
  }, 90_000);
});
