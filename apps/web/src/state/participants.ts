import type { ParticipantResource } from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import type { Http } from '../api/http.js';
import type { ChatList } from './chats.js';
import type { Notify } from './notices.js';
import type { Store } from './store.js';

/** Who takes part in each chat, and the changes to it: mine (join, leave) and others'. */
export class Participants {
  constructor(
    private readonly store: Store<Record<number, ParticipantResource[]>>,
    private readonly http: Http,
    private readonly chats: ChatList,
    private readonly myId: number,
    private readonly notify: Notify,
    /** I left the chat or was removed: everything held about it goes. */
    private readonly forgetChat: (chatId: number) => void,
  ) {}

  async load(chatId: number): Promise<void> {
    try {
      const list = await this.http.get<ParticipantResource[]>(`/api/chats/${chatId}/participants`);
      this.store.set((all) => ({ ...all, [chatId]: list }));
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  async add(chatId: number, userIds: number[]): Promise<void> {
    await this.http.send('POST', `/api/chats/${chatId}/participants`, { user_ids: userIds });
    await this.load(chatId);
  }

  async remove(chatId: number, userId: number): Promise<void> {
    await this.http.send('DELETE', `/api/chats/${chatId}/participants/${userId}`);
    if (userId === this.myId) this.forgetChat(chatId);
    else await this.load(chatId);
  }

  /** `participant_added` / `participant_removed`, whoever made the change. */
  async changed(chatId: number, userId: number, added: boolean): Promise<void> {
    if (userId === this.myId) {
      if (added) await this.chats.fetch(chatId);
      else this.forgetChat(chatId);
      return;
    }
    if (this.store.get()[chatId]) await this.load(chatId);
    const chat = this.chats.get(chatId);
    if (chat) {
      this.chats.patch(chatId, {
        participants_count: Math.max(1, chat.participants_count + (added ? 1 : -1)),
      });
    }
  }
}
