import type { ParticipantResource, ServerEvents } from '@kelisim/contracts';
import type { Http } from '../api/http.js';
import { acked, type ChatSocket } from './chat-socket.js';
import type { ChatList } from './chats.js';
import type { Store } from './store.js';

/** Read cursors: mine moved from this client, and everyone's as the server reports them. */
export class ReadCursors {
  /** Chats with a `mark_read` on its way: one at a time each. */
  private readonly marking = new Set<number>();

  constructor(
    private readonly socket: ChatSocket,
    private readonly http: Http,
    private readonly chats: ChatList,
    private readonly participants: Store<Record<number, ParticipantResource[]>>,
    private readonly myId: number,
  ) {}

  /** Moves my read cursor to `seq` (the newest message on screen). */
  async markRead(chatId: number, seq: number): Promise<void> {
    const chat = this.chats.get(chatId);
    if (!chat || this.marking.has(chatId)) return;
    if (seq <= chat.my_last_read_seq && chat.unread_count === 0) return;
    this.marking.add(chatId);
    try {
      const state = this.socket.connected
        ? await acked(this.socket.emitWithAck('mark_read', { chat_id: chatId, seq }))
        : await this.http.send<{ last_read_seq: number; unread_count: number }>(
            'PUT',
            `/api/chats/${chatId}/read`,
            { seq },
          );
      this.chats.patch(chatId, {
        my_last_read_seq: state.last_read_seq,
        unread_count: state.unread_count,
      });
    } catch (error) {
      // The next render or reconnect tries again.
      console.warn('mark_read failed', error);
    } finally {
      this.marking.delete(chatId);
    }
  }

  /** `message_read`: someone's cursor moved (mine too, from another tab or device). */
  moved(event: ServerEvents['message_read']): void {
    this.participants.set((all) => {
      const list = all[event.chat_id];
      if (!list) return all;
      return {
        ...all,
        [event.chat_id]: list.map((p) =>
          p.user_id === event.user_id
            ? { ...p, last_read_seq: Math.max(p.last_read_seq, event.last_read_seq) }
            : p,
        ),
      };
    });
    if (event.user_id !== this.myId) return;
    const chat = this.chats.get(event.chat_id);
    if (chat && event.last_read_seq > chat.my_last_read_seq) {
      this.chats.patch(event.chat_id, { my_last_read_seq: event.last_read_seq });
    }
  }
}
