import type { ChatResource, MessageResource, UnreadCounts } from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import type { Http } from '../api/http.js';
import type { Notify } from './notices.js';
import type { Store } from './store.js';
import type { ChatsState } from './stores.js';

/** Chat list pages of 100 loaded at sign-in and after a reconnect. */
const maxChatPages = 10;

export interface NewChat {
  type: 'direct' | 'group';
  name?: string;
  participantIds: number[];
}

/** My chats as the list shows them: last message, unread count, my read cursor. */
export class ChatList {
  constructor(
    private readonly store: Store<ChatsState>,
    private readonly http: Http,
    private readonly myId: number,
    private readonly notify: Notify,
    /** Chats were loaded or one was added (their presence channels are then subscribed). */
    private readonly onChatsAdded: () => void,
  ) {}

  get(chatId: number): ChatResource | undefined {
    return this.store.get().byId[chatId];
  }

  async load(): Promise<void> {
    try {
      const chats: ChatResource[] = [];
      let cursor: string | null | undefined;
      for (let page = 0; page < maxChatPages; page++) {
        const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const answer = await this.http.page<ChatResource[], { next_cursor?: string | null }>(
          `/api/chats?limit=100${query}`,
        );
        chats.push(...answer.data);
        cursor = answer.meta.next_cursor;
        if (!cursor) break;
      }
      this.store.set({ byId: Object.fromEntries(chats.map((c) => [c.id, c])), loaded: true });
      this.onChatsAdded();
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  async create(input: NewChat): Promise<ChatResource> {
    const chat = await this.http.send<ChatResource>('POST', '/api/chats', {
      type: input.type,
      ...(input.type === 'group' && input.name ? { name: input.name } : {}),
      participant_ids: input.participantIds,
    });
    this.put(chat);
    return chat;
  }

  /** A chat I was added to (or first heard of through a message). */
  async fetch(chatId: number): Promise<void> {
    try {
      this.put(await this.http.get<ChatResource>(`/api/chats/${chatId}`));
      this.onChatsAdded();
    } catch {
      // Not (or no longer) a participant.
    }
  }

  /** `chat_created`: someone started a chat with me. */
  created(chat: ChatResource): void {
    this.put(chat);
    this.onChatsAdded();
  }

  patch(chatId: number, change: Partial<ChatResource>): void {
    this.store.set((state) => {
      const chat = state.byId[chatId];
      if (!chat) return state;
      return { ...state, byId: { ...state.byId, [chatId]: { ...chat, ...change } } };
    });
  }

  drop(chatId: number): void {
    this.store.set((state) => {
      const { [chatId]: _, ...byId } = state.byId;
      return { ...state, byId };
    });
  }

  /** A message received live or synced: the chat's preview, order and unread count follow. */
  lastMessage(message: MessageResource, live: boolean): void {
    const chat = this.get(message.chat_id);
    if (!chat) {
      void this.fetch(message.chat_id);
      return;
    }
    if (message.seq < chat.last_seq) return;
    const isNew = message.seq > chat.last_seq;
    const mine = message.sender.id === this.myId;
    this.patch(chat.id, {
      last_seq: message.seq,
      last_message: message,
      last_activity_at: message.created_at,
      ...(mine ? { my_last_read_seq: Math.max(chat.my_last_read_seq, message.seq) } : {}),
      // The server pushes unread counts on reads; a new message from someone else adds one.
      ...(isNew && live && !mine && message.seq > chat.my_last_read_seq
        ? { unread_count: chat.unread_count + 1 }
        : {}),
    });
  }

  unreadCounts(counts: UnreadCounts): void {
    const byChat = new Map(counts.chats.map((c) => [c.chat_id, c]));
    this.store.set((state) => {
      const byId = { ...state.byId };
      for (const chat of Object.values(state.byId)) {
        const counted = byChat.get(chat.id);
        byId[chat.id] = {
          ...chat,
          unread_count: counted?.unread ?? 0,
          unread_mentions: counted?.mentions ?? 0,
        };
      }
      return { ...state, byId };
    });
  }

  private put(chat: ChatResource): void {
    this.store.set((state) => ({ ...state, byId: { ...state.byId, [chat.id]: chat } }));
  }
}
