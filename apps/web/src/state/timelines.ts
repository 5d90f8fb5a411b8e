import type { Store } from './store.js';
import { emptyTimeline, type PendingItem, type Timeline } from './timeline.js';

/** The timelines of the chats opened in this session, and the edits made to them. */
export class Timelines {
  constructor(private readonly store: Store<Record<number, Timeline>>) {}

  get(chatId: number): Timeline | undefined {
    return this.store.get()[chatId];
  }

  openedChatIds(): number[] {
    return Object.keys(this.store.get()).map(Number);
  }

  /** Starts the chat's timeline when it has none. */
  update(chatId: number, change: (timeline: Timeline) => Timeline): void {
    this.store.set((all) => {
      const current = all[chatId] ?? emptyTimeline;
      const next = change(current);
      return next === current && all[chatId] ? all : { ...all, [chatId]: next };
    });
  }

  /** Only a chat opened in this session: a closed one is loaded afresh when opened. */
  updateIfOpened(chatId: number, change: (timeline: Timeline) => Timeline): void {
    if (this.get(chatId)) this.update(chatId, change);
  }

  addPending(chatId: number, item: Omit<PendingItem, 'createdAt'>): void {
    this.update(chatId, (t) => ({
      ...t,
      pending: [...t.pending, { ...item, createdAt: new Date().toISOString() }],
    }));
  }

  removePending(chatId: number, tempId: string): void {
    this.update(chatId, (t) => ({
      ...t,
      pending: t.pending.filter((p) => p.tempId !== tempId),
    }));
  }

  forget(chatId: number): void {
    this.store.set((all) => {
      const { [chatId]: _, ...rest } = all;
      return rest;
    });
  }
}
