import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageResource } from '@kelisim/contracts';
import {
  connectClient,
  createUsers,
  sleep,
  tokenFor,
  type ChatClient,
  type GatewayProcess,
  type TestUser,
} from '@kelisim/testing';
import { startCluster, useCluster, type ClusterFixture, type TestCluster } from './cluster.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

// DESIGN.md §5: after any node crash, Redis restart or deploy, every client ends up holding every
// acknowledged message exactly once. The load balancer is played by the tests: a client whose
// node went away is connected to a surviving node.

const syncPageSize = 50;

/** One user's copy of one chat, kept as a real client keeps it: by seq, gaps filled by `sync`. */
class Holder {
  readonly held = new Map<number, MessageResource>();
  /** The seq of every live `new_message`, over all of this holder's connections. */
  readonly pushed: number[] = [];
  /** `error:<code>` and `disconnect`, in the order the current connection saw them. */
  readonly seen: string[] = [];
  readonly problems: string[] = [];
  connections = 0;
  closed = false;
  socket: ChatClient | undefined;
  /** Resolves when the current connection drops. */
  lost: Promise<void> = Promise.resolve();
  private syncing: Promise<void> | undefined;
  private syncAgain = false;

  constructor(
    readonly user: TestUser,
    readonly chatId: number,
  ) {}

  async connect(url: string): Promise<void> {
    this.socket?.close();
    const socket = await connectClient(url, this.user.id);
    this.socket = socket;
    this.connections++;
    this.seen.length = 0;
    this.lost = new Promise((resolve) => {
      socket.once('disconnect', () => {
        this.seen.push('disconnect');
        resolve();
      });
    });
    socket.on('error', (error) => this.seen.push(`error:${error.code}`));
    socket.on('new_message', ({ message }) => this.onPush(message));
    await this.sync();
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  /** The highest seq below which nothing is missing. */
  contiguous(): number {
    let seq = 0;
    while (this.held.has(seq + 1)) seq++;
    return seq;
  }

  /** Pages through `sync` from the contiguous seq; concurrent calls fold into one more round. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = this.syncRounds().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncRounds(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      this.syncAgain = false;
      await this.pageThrough();
      if (!this.syncAgain) return;
    }
    this.problems.push('sync was asked for again and again');
  }

  private async pageThrough(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    for (let page = 0; page < 20; page++) {
      let ack;
      try {
        ack = await socket.timeout(10_000).emitWithAck('sync', {
          chat_id: this.chatId,
          after_seq: this.contiguous(),
          limit: syncPageSize,
        });
      } catch (error) {
        // A dropped connection syncs again once reconnected.
        if (socket.connected) this.problems.push(`sync failed: ${String(error)}`);
        return;
      }
      if (!ack.ok) {
        this.problems.push(`sync refused: ${ack.error.code}`);
        return;
      }
      for (const message of ack.messages) this.store(message);
      if (!ack.has_more) return;
    }
    this.problems.push('sync did not reach the end');
  }

  private onPush(message: MessageResource): void {
    if (message.chat_id !== this.chatId) return;
    this.pushed.push(message.seq);
    this.store(message);
    if (this.contiguous() < message.seq) void this.sync();
  }

  private store(message: MessageResource): void {
    const earlier = this.held.get(message.seq);
    if (earlier && earlier.id !== message.id) {
      this.problems.push(`seq ${message.seq} is both message ${earlier.id} and ${message.id}`);
    }
    this.held.set(message.seq, message);
  }
}

/** Streams REST sends into a chat a few at a time, keeping every acknowledged message. */
class Sender {
  readonly acked: MessageResource[] = [];
  readonly failures: string[] = [];
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly cluster: TestCluster,
    private readonly user: TestUser,
    private readonly chatId: number,
  ) {}

  async stream(from: number, to: number, gapMs: number): Promise<void> {
    for (let i = from; i < to; i++) {
      if (this.inflight.size >= 8) await Promise.race(this.inflight);
      this.send(`m${i}`);
      await sleep(gapMs);
    }
  }

  async settled(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  /** The acknowledged messages, in seq order. */
  inOrder(): MessageResource[] {
    return [...this.acked].sort((x, y) => x.seq - y.seq);
  }

  private send(content: string): void {
    const sent = supertest(this.cluster.apiUrl)
      .post(`/api/chats/${this.chatId}/messages`)
      .set(auth(this.user))
      .timeout(30_000)
      .send({ content })
      .then(
        (res) => {
          if (res.status === 201) this.acked.push(res.body.data as MessageResource);
          else this.failures.push(`${content}: ${res.status} ${JSON.stringify(res.body)}`);
        },
        (error: unknown) => {
          this.failures.push(`${content}: ${String(error)}`);
        },
      )
      .finally(() => this.inflight.delete(sent));
    this.inflight.add(sent);
  }
}

const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

async function createGroup(cluster: TestCluster, owner: TestUser, members: TestUser[]) {
  const res = await supertest(cluster.apiUrl)
    .post('/api/chats')
    .set(auth(owner))
    .send({ type: 'group', participant_ids: members.map((m) => m.id) });
  expect(res.status).toBe(201);
  return res.body.data.id as number;
}

/** Every send was acknowledged, the acknowledged seqs are 1..n, and nothing else was committed. */
async function expectAllAcknowledged(cluster: TestCluster, sender: Sender, count: number) {
  await sender.settled();
  expect(sender.failures).toEqual([]);
  expect(sender.inOrder().map((m) => m.seq)).toEqual(range(1, count));
  const chatId = sender.acked[0]!.chat_id;
  expect(await cluster.database.db.message.count({ where: { chatId } })).toBe(count);
}

/** Waits for every holder to have as many messages as were acknowledged, then checks them. */
async function expectEveryoneHoldsExactly(
  holders: Holder[],
  sender: Sender,
  options: { livePushesComplete?: Holder[] } = {},
) {
  const acked = sender.inOrder();
  for (const holder of holders) {
    await expect
      .poll(() => holder.held.size, { timeout: 20_000, message: `held by ${holder.user.name}` })
      .toBe(acked.length);
  }
  await sleep(300); // a duplicate or a stray message would have arrived by now
  for (const holder of holders) {
    const label = `user ${holder.user.name}`;
    expect(holder.problems, label).toEqual([]);
    const held = [...holder.held.values()].sort((x, y) => x.seq - y.seq);
    expect(
      held.map((m) => [m.seq, m.id]),
      label,
    ).toEqual(acked.map((m) => [m.seq, m.id]));
    if (holder.connections === 1) expect(duplicates(holder.pushed), label).toEqual([]);
  }
  for (const holder of options.livePushesComplete ?? []) {
    expect(
      [...holder.pushed].sort((x, y) => x - y),
      `live pushes to ${holder.user.name}`,
    ).toEqual(acked.map((m) => m.seq));
  }
}

async function readiness(gateway: GatewayProcess): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${gateway.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    return res.status;
  } catch {
    return 'refused';
  }
}

/** `'running'` unless the process has exited by now. */
function stillRunning(gateway: GatewayProcess): Promise<string> {
  return Promise.race([
    gateway.exited.then((code) => `exited with ${code}`),
    sleep(50).then(() => 'running'),
  ]);
}

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

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function duplicates(seqs: number[]): number[] {
  return seqs.filter((seq, i) => seqs.indexOf(seq) !== i);
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
    const chatId = await createGroup(cluster, sender, members);
    const holders = await holdersOnNodes(fx, members, chatId);
    const [onNode0, onNode1, onNode2] = holders as [Holder, Holder, Holder];
    const stream = new Sender(cluster, sender, chatId);

    await stream.stream(0, 50, 5);
    cluster.gateways[1]!.kill('SIGKILL');
    const moved = onNode1.lost.then(() => onNode1.connect(cluster.gateways[2]!.url));
    await stream.stream(50, 150, 5);
    await moved;

    await expectAllAcknowledged(cluster, stream, 150);
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
    const chatId = await createGroup(cluster, sender, members);
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
    const stream = new Sender(cluster, sender, chatId);

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
    let probes = 50;
    let resumed = false;
    for (; probes < 70 && !resumed; probes++) {
      await stream.stream(probes, probes + 1, 0);
      await stream.settled();
      const seq = stream.inOrder().at(-1)!.seq;
      await sleep(500);
      resumed = holders.every((holder) => holder.pushed.includes(seq));
    }
    expect(resumed, 'a send after the restart reached both nodes live').toBe(true);
    const beforeTail = stream.acked.length;
    await stream.stream(probes, probes + 30, 5);
    await stream.settled();
    const tail = stream.acked.slice(beforeTail).map((m) => m.seq);
    for (const holder of holders) {
      await expect
        .poll(() => tail.filter((seq) => !holder.pushed.includes(seq)), {
          timeout: 10_000,
          message: `sent after the restart, not pushed live to ${holder.user.name}`,
        })
        .toEqual([]);
    }

    for (const gateway of cluster.gateways) expect(await stillRunning(gateway)).toBe('running');
    for (const holder of holders) await holder.sync();
    await expectAllAcknowledged(cluster, stream, probes + 30);
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
    const chatId = await createGroup(cluster, sender, members);
    const holders = await holdersOnNodes(fx, members, chatId);
    const [onNode0, onNode1, onNode2] = holders as [Holder, Holder, Holder];
    const draining = cluster.gateways[0]!;
    const stream = new Sender(cluster, sender, chatId);

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

    await expectAllAcknowledged(cluster, stream, 120);
    expect(onNode0.connections).toBe(2);
    await expectEveryoneHoldsExactly(holders, stream, { livePushesComplete: [onNode1, onNode2] });
  });
});
