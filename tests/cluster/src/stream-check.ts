import supertest from 'supertest';
import { expect } from 'vitest';
import type { Ack, MessageResource } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import {
  connectClient,
  sleep,
  tokenFor,
  type ChatClient,
  type GatewayProcess,
  type TestUser,
} from '@kelisim/testing';

// DESIGN.md §5: after any node crash, Redis restart or failover, or deploy, every client ends up
// holding every acknowledged message exactly once. These play the clients that check it.

const syncPageSize = 50;

/** One user's copy of one chat, kept as a real client keeps it: by seq, gaps filled by `sync`. */
export class Holder {
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
      let ack: Ack<{ messages: MessageResource[]; has_more: boolean }>;
      try {
        // socket.io's types lose the ack's type behind timeout().
        ack = (await socket.timeout(10_000).emitWithAck('sync', {
          chat_id: this.chatId,
          after_seq: this.contiguous(),
          limit: syncPageSize,
        })) as typeof ack;
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
export class Sender {
  readonly acked: MessageResource[] = [];
  readonly failures: string[] = [];
  /** Attempts that failed and were retried. */
  readonly retried: string[] = [];
  private readonly inflight = new Set<Promise<void>>();

  private readonly apiUrls: string[];
  private sent = 0;

  /** Sends go to the API URLs in turn (several: a sender spread over nodes). */
  constructor(
    apiUrls: string | string[],
    private readonly user: TestUser,
    private readonly chatId: number,
    /** How often a failed send is retried with its temp_id, as a client does. */
    private readonly retries = 0,
  ) {
    this.apiUrls = [apiUrls].flat();
  }

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
    const tempId = `${this.chatId}-${content}`;
    const sent = this.deliver(content, tempId, this.retries).finally(() =>
      this.inflight.delete(sent),
    );
    this.inflight.add(sent);
  }

  private async deliver(content: string, tempId: string, retries: number): Promise<void> {
    const apiUrl = this.apiUrls[this.sent++ % this.apiUrls.length]!;
    let failure: string;
    try {
      const res = await supertest(apiUrl)
        .post(`/api/chats/${this.chatId}/messages`)
        .set(auth(this.user))
        .timeout(30_000)
        .send({ content, temp_id: tempId });
      const body = res.body as { data: MessageResource };
      if (res.status === 201) {
        this.acked.push(body.data);
        return;
      }
      failure = `${content}: ${res.status} ${JSON.stringify(res.body)}`;
    } catch (error) {
      failure = `${content}: ${String(error)}`;
    }
    if (retries === 0) {
      this.failures.push(failure);
      return;
    }
    this.retried.push(failure);
    await sleep(500);
    await this.deliver(content, tempId, retries - 1);
  }
}

export const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user.id)}` });

export async function createGroup(apiUrl: string, owner: TestUser, members: TestUser[]) {
  const res = await supertest(apiUrl)
    .post('/api/chats')
    .set(auth(owner))
    .send({ type: 'group', participant_ids: members.map((m) => m.id) });
  expect(res.status).toBe(201);
  return (res.body as { data: { id: number } }).data.id;
}

/**
 * After an outage: sends one message at a time (numbered from `from`) until one reaches every
 * holder live, within `timeoutMs`, then `tail` more, each of which must reach every holder live.
 * Returns the next message number and when live delivery was back.
 */
export async function expectLiveDeliveryResumes(
  stream: Sender,
  holders: Holder[],
  from: number,
  options: { timeoutMs: number; tail: number; after: string },
): Promise<{ next: number; resumedAt: number }> {
  const started = Date.now();
  let probe = from;
  let resumed = false;
  for (; !resumed && Date.now() - started < options.timeoutMs; probe++) {
    await stream.stream(probe, probe + 1, 0);
    await stream.settled();
    const seq = stream.inOrder().at(-1)!.seq;
    await sleep(250);
    resumed = holders.every((holder) => holder.pushed.includes(seq));
  }
  const resumedAt = Date.now();
  expect(resumed, `a send after the ${options.after} reached every node live`).toBe(true);
  const beforeTail = stream.acked.length;
  await stream.stream(probe, probe + options.tail, 5);
  await stream.settled();
  const tail = stream.acked.slice(beforeTail).map((m) => m.seq);
  for (const holder of holders) {
    await expect
      .poll(() => tail.filter((seq) => !holder.pushed.includes(seq)), {
        timeout: 10_000,
        message: `sent after the ${options.after}, not pushed live to ${holder.user.name}`,
      })
      .toEqual([]);
  }
  return { next: probe + options.tail, resumedAt };
}

/** Every send was acknowledged, the acknowledged seqs are 1..n, and nothing else was committed. */
export async function expectAllAcknowledged(db: Db, sender: Sender, count: number) {
  await sender.settled();
  expect(sender.failures).toEqual([]);
  expect(sender.inOrder().map((m) => m.seq)).toEqual(range(1, count));
  const chatId = sender.acked[0]!.chat_id;
  expect(await db.message.count({ where: { chatId } })).toBe(count);
}

/** Waits for every holder to have as many messages as were acknowledged, then checks them. */
export async function expectEveryoneHoldsExactly(
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

export async function readiness(gateway: GatewayProcess): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${gateway.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    return res.status;
  } catch {
    return 'refused';
  }
}

/** `'running'` unless the process has exited by now. */
export function stillRunning(gateway: GatewayProcess): Promise<string> {
  return Promise.race([
    gateway.exited.then((code) => `exited with ${code}`),
    sleep(50).then(() => 'running'),
  ]);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function duplicates(seqs: number[]): number[] {
  return seqs.filter((seq, i) => seqs.indexOf(seq) !== i);
}
