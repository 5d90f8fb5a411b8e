import { AppError } from '@kelisim/contracts';
import { isDatabaseUnavailable, type Db } from '@kelisim/db';
import {
  appendMessages,
  type AppendedMessage,
  type AppendOutcome,
  type NewMessage,
} from './append-message.js';
import { inTransaction } from './transactions.js';

export interface GroupCommitSettings {
  /** How long a send may wait for others to share its transaction while one is committing. */
  maxWaitMs: number;
  /** Most messages one transaction commits. */
  maxBatch: number;
}

export const defaultGroupCommit: GroupCommitSettings = { maxWaitMs: 2, maxBatch: 100 };

/** Transactions in flight at once; each holds a pooled connection while it commits. */
const maxBatchesInFlight = 4;
/** Tries of a batch whose connection was lost before its outcome was known. */
const maxConnectionLosses = 3;

interface Pending {
  message: NewMessage;
  resolve: (appended: AppendedMessage) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits the node's concurrent sends in shared transactions (group commit): a send joins the
 * next batch, which goes at once when nothing is committing, else when a batch finishes, the wait
 * runs out or the batch is full. A chat is in at most one batch at a time, so its messages take
 * seqs in the order they arrived at this node. Each send settles only after its batch commits,
 * with its own outcome: one refused message never fails the others.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private readonly committingChats = new Set<number>();
  private inFlight = 0;
  /** Cancels the scheduled flush, if one is scheduled. */
  private cancelFlush: (() => void) | undefined;
  /** Transactions committed and the messages they carried, for metrics and tests. */
  readonly committed = { batches: 0, messages: 0 };

  constructor(
    private readonly db: Db,
    private readonly settings: GroupCommitSettings = defaultGroupCommit,
  ) {}

  append(message: NewMessage): Promise<AppendedMessage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight >= maxBatchesInFlight) return; // the next batch to finish flushes
    if (this.queue.length >= this.settings.maxBatch) return this.flush();
    if (this.cancelFlush) return;
    const flush = () => this.flush();
    if (this.inFlight === 0) {
      const immediate = setImmediate(flush);
      this.cancelFlush = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(flush, this.settings.maxWaitMs);
      this.cancelFlush = () => clearTimeout(timeout);
    }
  }

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    while (this.inFlight < maxBatchesInFlight) {
      const batch = this.takeBatch();
      if (batch.length === 0) break;
      const chats = new Set(batch.map((p) => p.message.chatId));
      chats.forEach((chat) => this.committingChats.add(chat));
      this.inFlight++;
      void this.commit(batch).finally(() => {
        chats.forEach((chat) => this.committingChats.delete(chat));
        this.inFlight--;
        if (this.queue.length > 0) this.flush();
      });
    }
  }

  /** The queue's oldest sends to chats no batch is committing, in order, up to a full batch. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const pending of this.queue) {
      const free = !this.committingChats.has(pending.message.chatId);
      (free && batch.length < this.settings.maxBatch ? batch : rest).push(pending);
    }
    this.queue = rest;
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.commitOnce(batch.map((p) => p.message));
      this.committed.batches++;
      this.committed.messages += batch.length;
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        batch.forEach((pending) => pending.reject(error));
        return;
      }
      // Refused as a whole by one of its rows: each alone, in order, so the cause fails by itself.
      for (const pending of batch) await this.commit([pending]);
      return;
    }
    outcomes.forEach((outcome, i) =>
      outcome instanceof AppError ? batch[i]!.reject(outcome) : batch[i]!.resolve(outcome),
    );
  }

  /**
   * One transaction (deadlocks retried by `inTransaction`). When the connection is lost once the
   * transaction has begun, the batch is tried again unless its rows turn out to be stored: ids are
   * never reused, so if the ids the lost transaction inserted exist, its COMMIT went through
   * before the loss. No connection to begin with (the database gone) fails at once.
   */
  private async commitOnce(messages: NewMessage[]): Promise<AppendOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      let began = false;
      let planned: AppendOutcome[] | undefined;
      try {
        return await inTransaction(this.db, async (tx) => {
          began = true;
          planned = await appendMessages(tx, messages);
          return planned;
        });
      } catch (error) {
        const lost = began && isDatabaseUnavailable(error);
        if (attempt >= maxConnectionLosses || !lost) throw error;
        if (planned && (await this.wereCommitted(planned))) return planned;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  private async wereCommitted(planned: AppendOutcome[]): Promise<boolean> {
    const ids = planned.flatMap((o) => (o instanceof AppError || !o.created ? [] : [o.row.id]));
    if (ids.length === 0) return false;
    const stored = await this.db.message.count({ where: { id: { in: ids } } });
    return stored === ids.length;
  }
}

const groupCommits = new WeakMap<Db, GroupCommit>();

/** The one group commit of a connection pool: every send through it shares its batches. */
export function groupCommitOf(db: Db, settings?: GroupCommitSettings): GroupCommit {
  let groupCommit = groupCommits.get(db);
  if (!groupCommit) {
    groupCommit = new GroupCommit(db, settings);
    groupCommits.set(db, groupCommit);
  }
  return groupCommit;
}
