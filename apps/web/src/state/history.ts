import type { MessageResource } from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import type { Http } from '../api/http.js';
import type { Notify } from './notices.js';
import type { TimelineSync } from './sync.js';
import { mergeMessages } from './timeline.js';
import type { Timelines } from './timelines.js';

const pageSize = 50;

/** A chat's past messages: the newest page when first opened, older pages on scrolling up. */
export class History {
  constructor(
    private readonly http: Http,
    private readonly timelines: Timelines,
    private readonly sync: TimelineSync,
    private readonly myId: number,
    private readonly notify: Notify,
  ) {}

  /** The newest page the first time; after that, what came since. */
  async open(chatId: number): Promise<void> {
    if (this.timelines.get(chatId)) {
      await this.sync.syncChat(chatId);
      return;
    }
    try {
      const page = await this.page(`/api/chats/${chatId}/messages?limit=${pageSize}`);
      this.timelines.update(chatId, (t) => ({
        ...mergeMessages(t, page.data, this.myId),
        hasOlder: page.meta.has_more,
      }));
      // Anything pushed between the page and now is merged; anything missed is synced.
      await this.sync.syncChat(chatId);
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  /** Infinite scroll up: the page before the oldest message held. */
  async loadOlder(chatId: number): Promise<void> {
    const timeline = this.timelines.get(chatId);
    const oldest = timeline?.messages[0];
    if (!timeline || !oldest || !timeline.hasOlder || timeline.loadingOlder) return;
    this.timelines.update(chatId, (t) => ({ ...t, loadingOlder: true }));
    try {
      const page = await this.page(
        `/api/chats/${chatId}/messages?before=${oldest.seq}&limit=${pageSize}`,
      );
      this.timelines.update(chatId, (t) => ({
        ...mergeMessages(t, page.data, this.myId),
        hasOlder: page.meta.has_more,
        loadingOlder: false,
      }));
    } catch (error) {
      this.timelines.update(chatId, (t) => ({ ...t, loadingOlder: false }));
      this.notify(errorText(error));
    }
  }

  private page(path: string) {
    return this.http.page<MessageResource[], { has_more: boolean }>(path);
  }
}
