import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterEnv,
  connectClient,
  createTestDatabase,
  createUsers,
  QueryLogProxy,
  sleep,
  startGateway,
  testRedisConfig,
  type ChatClient,
  type GatewayProcess,
  type TestDatabase,
  type TestUser,
} from '@kelisim/testing';

// What connecting costs MySQL, read off the wire between one gateway and MariaDB.
let database: TestDatabase;
let proxy: QueryLogProxy;
let node: GatewayProcess;
const sockets: ChatClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase('connect_queries');
  proxy = new QueryLogProxy(database.config);
  await proxy.open();
  node = await startGateway(
    clusterEnv({
      database: { ...database.config, host: '127.0.0.1', port: proxy.port },
      redis: testRedisConfig(),
      // No credential re-check round during the test.
      extra: { CHAT_AUTH_RECHECK_SECONDS: '3600' },
    }),
  );
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  node.kill('SIGTERM');
  await node.exited;
  await proxy.close();
  await database.drop();
});

async function group(owner: TestUser, member: TestUser) {
  await database.db.chat.create({
    data: {
      type: 'group',
      name: 'Connecting',
      participants: {
        create: [
          { userId: BigInt(owner.id), role: 'owner' },
          { userId: BigInt(member.id), role: 'member' },
        ],
      },
    },
  });
}

function next<T>(socket: ChatClient, event: 'presence' | 'presence_snapshot'): Promise<T> {
  return new Promise((resolve) => socket.once(event, (payload: unknown) => resolve(payload as T)));
}

/** The statements about users and chats sent since `from`, as MariaDB received them. */
const statementsSince = (from: number) =>
  proxy.queries.slice(from).filter((sql) => /\b(users|participants)\b/.test(sql));
const audienceReads = (statements: string[]) =>
  statements.filter((sql) => sql.includes('FROM participants mine'));

describe('connecting to a gateway', () => {
  it("reads MySQL twice: the handshake's user and chats, and one presence audience for the snapshot and the announcement", async () => {
    const [ann, bob] = await createUsers(database.db, 2, 'Connecting');
    await group(ann!, bob!);
    const bobSocket = await connectClient(node.url, bob!.id);
    sockets.push(bobSocket);
    await next(bobSocket, 'presence_snapshot');
    await sleep(300);

    const from = proxy.queries.length;
    const annOnline = next<{ user_id: number; status: string }>(bobSocket, 'presence');
    const annSocket = await connectClient(node.url, ann!.id);
    sockets.push(annSocket);
    const snapshot = await next<{ users: { user_id: number }[] }>(annSocket, 'presence_snapshot');
    expect(snapshot.users.map((user) => user.user_id)).toEqual([bob!.id]);
    expect(await annOnline).toMatchObject({ user_id: ann!.id, status: 'online' });
    await sleep(300);

    const statements = statementsSince(from);
    expect(statements).toHaveLength(2);
    expect(audienceReads(statements)).toHaveLength(1);

    // A second connection of the same user announces nothing, and still reads the audience once.
    const again = proxy.queries.length;
    const second = await connectClient(node.url, ann!.id);
    sockets.push(second);
    await next(second, 'presence_snapshot');
    await sleep(300);
    expect(statementsSince(again)).toHaveLength(2);
    expect(audienceReads(statementsSince(again))).toHaveLength(1);
  });
});
