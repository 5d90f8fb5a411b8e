import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterEnv,
  connectClient,
  createTestDatabase,
  createUsers,
  record,
  startServerNode,
  testRedisConfig,
  tokenFor,
  waitFor,
  type ChatClient,
  type GatewayProcess,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';

let database: TestDatabase;
let node: GatewayProcess;
let users: TestUser[];
let chatId: number;
const clients: ChatClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase('drain_delay');
  node = await startServerNode({
    ...clusterEnv({ database: database.config, redis: testRedisConfig() }),
    CHAT_DRAIN_DELAY: '2',
    CHAT_SHUTDOWN_TIMEOUT: '5',
  });
  users = await createUsers(database.db, 2, 'Drain');
  const created = await post(users[0]!, '/api/chats', {
    type: 'group',
    participant_ids: [users[1]!.id],
  });
  expect(created.status).toBe(201);
  chatId = ((await created.json()) as { data: { id: number } }).data.id;
});
afterAll(async () => {
  for (const client of clients) client.close();
  node.kill('SIGKILL');
  await node.exited;
  await database.drop();
});

function post(user: TestUser, path: string, body: unknown) {
  return fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenFor(user.id)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function readiness(): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${node.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    return res.status;
  } catch {
    return 'refused';
  }
}

describe('an all-in-one node', () => {
  it('reports commit-to-push fan-out time and sent messages in /metrics', async () => {
    const res = await post(users[0]!, `/api/chats/${chatId}/messages`, { content: 'measured' });
    expect(res.status).toBe(201);
    const text = await (await fetch(node.metricsUrl)).text();
    const count =
      /^kelisim_fanout_duration_seconds_count\{[^}]*event="new_message"[^}]*\} (\d+)$/m.exec(text);
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^kelisim_events_published_total\{[^}]*event="new_message"[^}]*\} [1-9]/m);
  });
});

describe('CHAT_DRAIN_DELAY on SIGTERM', () => {
  it('reports not-ready at once, keeps serving REST and sockets for the delay, then moves sockets away and exits 0', async () => {
    const [sender, reader] = users as [TestUser, TestUser];
    const listener = await connectClient(node.url, reader.id);
    clients.push(listener);
    const events = record(listener, 'error');
    expect(await readiness()).toBe(200);

    node.kill('SIGTERM');
    await expect.poll(readiness, { interval: 50, timeout: 5_000 }).toBe(503);

    // Still serving during the delay: a REST send is stored and pushed to the connected socket,
    // and a new socket may still connect.
    const pushed = waitFor(listener, 'new_message', (p) => p.message.content === 'during delay');
    const res = await post(sender, `/api/chats/${chatId}/messages`, { content: 'during delay' });
    expect(res.status).toBe(201);
    await pushed;
    expect(listener.connected).toBe(true);
    const late = await connectClient(node.url, sender.id);
    clients.push(late);
    expect(events).toEqual([]);

    // After the delay the sockets are told to go elsewhere, and the node exits cleanly.
    await waitFor(listener, 'error', (e) => e.code === 'unavailable', 10_000);
    expect(await node.exited).toBe(0);
  });
});
