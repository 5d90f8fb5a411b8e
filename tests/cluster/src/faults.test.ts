import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUsers,
  sleep,
  startRedisServer,
  tokenFor,
  type RedisServer,
  type TestUser,
} from '@kelisim/testing';
import { startCluster, useCluster, type ClusterFixture, type TestCluster } from './cluster.js';
import {
  Holder,
  Sender,
  createGroup,
  expectAllAcknowledged,
  expectEveryoneHoldsExactly,
  expectLiveDeliveryResumes,
  readiness,
  stillRunning,
} from './stream-check.js';

// DESIGN.md §5: after any node crash, Redis restart or deploy, every client ends up holding every
// acknowledged message exactly once. The load balancer is played by the tests: a client whose
// node went away is connected to a surviving node.

/** A socket.io client over long-polling that stops polling once connected, like a frozen tab. */
async function connectFrozenClient(url: string, user: TestUser): Promise<void> {
  const polling = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(polling)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const session = `${polling}&sid=${sid}`;
  const connect = `40${JSON.stringify({ token: tokenFor(user.id) })}`;
  expect(await (await fetch(session, { method: 'POST', body: connect })).text()).toBe('ok');
  expect(await (await fetch(session)).text()).toMatch(/^40/);
}

/** A holder of the chat for each member, member i on node i; closed after the tests. */
async function holdersOnNodes(
  fx: ClusterFixture,
  members: TestUser[],
  chatId: number,
): Promise<Holder[]> {
  const holders: Holder[] = [];
  for (const [node, user] of members.entries()) {
    const holder = fx.closeLater(new Holder(user, chatId));
    holders.push(holder);
    await holder.connect(fx.cluster.gateways[node]!.url);
  }
  return holders;
}

describe('a node killed with SIGKILL mid-stream', () => {
  const fx = useCluster('faults-kill', 3, { count: 4, name: 'Killed' });

  it('leaves every client holding every acknowledged message exactly once', async () => {
    const { cluster } = fx;
    const [sender, ...members] = fx.users as [TestUser, TestUser, TestUser, TestUser];
    const chatId = await createGroup(cluster.apiUrl, sender, members);
    const holders = await holdersOnNodes(fx, members, chatId);
    const [onNode0, onNode1, onNode2] = holders as [Holder, Holder, Holder];
    const stream = new Sender(cluster.apiUrl, sender, chatId);

    await stream.stream(0, 50, 5);
    cluster.gateways[1]!.kill('SIGKILL');
    const moved = onNode1.lost.then(() => onNode1.connect(cluster.gateways[2]!.url));
    await stream.stream(50, 150, 5);
    await moved;

    await expectAllAcknowledged(cluster.database.db, stream, 150);
    expect(await cluster.gateways[1]!.exited).toBeNull();
    expect(onNode1.connections).toBe(2);
    await expectEveryoneHoldsExactly(holders, stream, { livePushesComplete: [onNode0, onNode2] });
  });
});

describe('Redis restarted mid-stream', () => {
  let redis: RedisServer;
  let cluster: TestCluster;
  let users: TestUser[];
  const holders: Holder[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    cluster = await startCluster('faults-redis', 2, { REDIS_PORT: String(redis.port) });
    users = await createUsers(cluster.database.db, 3, 'Restart');
  });
  afterAll(async () => {
    for (const holder of holders) holder.close();
    await cluster?.close();
    await redis?.kill();
  });

  it('keeps the gateways up, reports them unready meanwhile, resumes live delivery and loses nothing', async () => {
    const [sender, ...members] = users as [TestUser, TestUser, TestUser];
    const chatId = await createGroup(cluster.apiUrl, sender, members);
    for (const [node, user] of members.entries()) {
      const holder = new Holder(user, chatId);
      holders.push(holder);
      await holder.connect(cluster.gateways[node]!.url);
    }
    // The load balancer: a client whose connection drops goes back to its node, which stays up.
    const backToItsNode = async (holder: Holder, node: number) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        await holder.lost;
        if (holder.closed) return;
        await holder.connect(cluster.gateways[node]!.url).catch(() => sleep(500));
      }
    };
    for (const [node, holder] of holders.entries()) void backToItsNode(holder, node);
    const stream = new Sender(cluster.apiUrl, sender, chatId);

    await stream.stream(0, 30, 5);
    await stream.settled();
    await expectEveryoneHoldsExactly(holders, stream, { livePushesComplete: holders });

    await redis.kill();
    await stream.stream(30, 50, 50); // about a second of sends while Redis is down
    await stream.settled(); // acknowledged while it is still down
    expect(stream.failures).toEqual([]);
    for (const gateway of cluster.gateways) {
      await expect.poll(() => readiness(gateway), { timeout: 15_000, interval: 200 }).toBe(503);
    }
    await redis.start();
    for (const gateway of cluster.gateways) {
      await expect.poll(() => readiness(gateway), { timeout: 30_000, interval: 200 }).toBe(200);
    }

    // Probe until a send reaches both nodes live again (the adapters resubscribe after backoff).
    const { next } = await expectLiveDeliveryResumes(stream, holders, 50, {
      timeoutMs: 15_000,
      tail: 30,
      after: 'restart',
    });

    for (const gateway of cluster.gateways) expect(await stillRunning(gateway)).toBe('running');
    for (const holder of holders) await holder.sync();
    await expectAllAcknowledged(cluster.database.db, stream, next);
    await expectEveryoneHoldsExactly(holders, stream);
  });
});

describe('a node drained with SIGTERM mid-stream', () => {
  const fx = useCluster(
    'faults-drain',
    3,
    { count: 5, name: 'Drained' },
    { CHAT_SHUTDOWN_TIMEOUT: '5' },
  );

  it('tells its clients, reports unready, exits cleanly, and every client holds every acknowledged message', async () => {
    const { cluster } = fx;
    const [sender, frozen, ...members] = fx.users as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const chatId = await createGroup(cluster.apiUrl, sender, members);
    const holders = await holdersOnNodes(fx, members, chatId);
    const [onNode0, onNode1, onNode2] = holders as [Holder, Holder, Holder];
    const draining = cluster.gateways[0]!;
    const stream = new Sender(cluster.apiUrl, sender, chatId);

    // Left alone, the node drains in a few milliseconds, too fast for any probe to see it unready;
    // a frozen tab keeps it draining until CHAT_SHUTDOWN_TIMEOUT, as a slow client would.
    await connectFrozenClient(draining.url, frozen);
    await stream.stream(0, 40, 5);
    draining.kill('SIGTERM');
    const readinessAfterSignal = (async () => {
      const statuses: (number | 'refused')[] = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        statuses.push(await readiness(draining));
        if (statuses.at(-1) === 'refused') break;
        await sleep(20);
      }
      return statuses;
    })();
    const moved = onNode0.lost.then(async () => {
      const seenOnNode0 = [...onNode0.seen];
      await onNode0.connect(cluster.gateways[1]!.url);
      return seenOnNode0;
    });
    await stream.stream(40, 120, 5);

    const exit = await Promise.race([draining.exited, sleep(15_000).then(() => 'still running')]);
    expect(exit).toBe(0);
    const statuses = await readinessAfterSignal;
    expect(statuses).toContain(503);
    expect(statuses.slice(statuses.indexOf(503))).not.toContain(200);
    expect(statuses.at(-1)).toBe('refused');
    expect(await moved).toEqual(['error:unavailable', 'disconnect']);

    await expectAllAcknowledged(cluster.database.db, stream, 120);
    expect(onNode0.connections).toBe(2);
    await expectEveryoneHoldsExactly(holders, stream, { livePushesComplete: [onNode1, onNode2] });
  });
});
