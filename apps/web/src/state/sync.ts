import type { MessageResource } from '@kelisim/contracts';
import { SYNC_CHATS_MAX } from '@kelisim/contracts';
import { ChatError } from '../api/errors.js';
import { acked, type ChatSocket } from './chat-socket.js';
import { contiguousTop, emptyTimeline, leavesGap, mergeMessages } from './timeline.js';
import type { Timelines } from './timelines.js';

const maxSyncRounds = 1_000;

/**
 * Keeps opened timelines whole by `seq`: live messages merged, gaps filled with `sync`, and every
 * opened chat resumed with `sync_chats` after a reconnect.
 */
export class TimelineSync {
  private readonly syncing = new Map<number, Promise<void>>();
  /** Chats asked to sync again while a sync was running. */
  private readonly resync = new Set<number>();

  constructor(
    private readonly socket: ChatSocket,
    private readonly timelines: Timelines,
    private readonly myId: number,
    /** The newest message of a synced page (the chat list shows it). */
    private readonly onSynced: (last: MessageResource) => void,
  ) {}

  /** A message pushed or acknowledged: merged, and a gap before it fetched. */
  merge(message: MessageResource): void {
    const chatId = message.chat_id;
    const timeline = this.timelines.get(chatId);
    if (!timeline) return;
    const gap = leavesGap(timeline, message.seq);
    this.timelines.update(chatId, (t) => mergeMessages(t, [message], this.myId));
    if (gap) void this.syncChat(chatId);
  }

  /** `sync` from the highest contiguous seq until the server has nothing more. */
  syncChat(chatId: number): Promise<void> {
    const running = this.syncing.get(chatId);
    if (running) {
      this.resync.add(chatId);
      return running;
    }
    const run = (async () => {
      try {
        for (let round = 0; round < maxSyncRounds; round++) {
          if (!this.socket.connected) return;
          const timeline = this.timelines.get(chatId) ?? emptyTimeline;
          const page = await acked(
            this.socket.emitWithAck('sync', {
              chat_id: chatId,
              after_seq: contiguousTop(timeline),
              limit: 100,
            }),
          );
          this.timelines.update(chatId, (t) => mergeMessages(t, page.messages, this.myId));
          const last = page.messages.at(-1);
          if (last) this.onSynced(last);
          if (!page.has_more) return;
        }
      } catch {
        // Dropped mid-way: the next connect syncs again from what is held.
      } finally {
        this.syncing.delete(chatId);
      }
    })();
    this.syncing.set(chatId, run);
    return run.then(() => {
      if (this.resync.delete(chatId)) return this.syncChat(chatId);
    });
  }

  /**
   * After a reconnect: every opened chat resumed by seq with `sync_chats` (SYNC_CHATS_MAX chats a
   * round trip), waiting out `retry_after` when rate limited.
   */
  async resumeOpened(): Promise<void> {
    let behind = this.timelines.openedChatIds();
    for (let round = 0; round < maxSyncRounds && behind.length > 0; round++) {
      if (!this.socket.connected) return;
      try {
        const more = await this.syncChats(behind.slice(0, SYNC_CHATS_MAX));
        behind = [...more, ...behind.slice(SYNC_CHATS_MAX)];
      } catch (error) {
        if (!(error instanceof ChatError) || error.code !== 'rate_limited') return;
        await sleep((error.retryAfterSeconds ?? 1) * 1_000);
      }
    }
  }

  /** One `sync_chats` round trip; the chats with more to fetch. */
  private async syncChats(chatIds: number[]): Promise<number[]> {
    const answer = await acked(
      this.socket.emitWithAck('sync_chats', {
        chats: chatIds.map((chatId) => ({
          chat_id: chatId,
          after_seq: contiguousTop(this.timelines.get(chatId) ?? emptyTimeline),
        })),
        limit_per_chat: 100,
      }),
    );
    for (const chat of answer.chats) {
      this.timelines.updateIfOpened(chat.chat_id, (t) =>
        mergeMessages(t, chat.messages, this.myId),
      );
      const last = chat.messages.at(-1);
      if (last) this.onSynced(last);
    }
    return answer.chats.filter((c) => c.has_more).map((c) => c.chat_id);
  }
}

const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));
