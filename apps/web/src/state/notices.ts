import type { Store } from './store.js';
import type { Notice } from './stores.js';

export type Notify = (text: string) => void;

const noticeShownMs = 8_000;

/** Short messages at the corner of the screen: the last three, each gone after a while. */
export class Notices {
  private lastId = 0;

  constructor(private readonly store: Store<Notice[]>) {}

  notify(text: string): void {
    const id = ++this.lastId;
    this.store.set((list) => [...list.slice(-2), { id, text }]);
    window.setTimeout(() => this.dismiss(id), noticeShownMs);
  }

  dismiss(id: number): void {
    this.store.set((list) => list.filter((n) => n.id !== id));
  }
}
