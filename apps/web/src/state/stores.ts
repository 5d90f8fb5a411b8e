import type { ChatResource, MessageResource, ParticipantResource } from '@kelisim/contracts';
import { createStore } from './store.js';
import type { Timeline } from './timeline.js';

export type ConnectionState = 'connected' | 'reconnecting' | 'offline';

export interface ConnectionInfo {
  state: ConnectionState;
  /** True until the first successful connection (the banner then says "Connecting"). */
  firstConnect: boolean;
}

export interface ChatsState {
  byId: Record<number, ChatResource>;
  loaded: boolean;
}

export interface TypingEntry {
  name: string;
  until: number;
}

export interface Notice {
  id: number;
  text: string;
}

/** One store per concern; the session writes them, components read them with `useStore`. */
export function createStores() {
  return {
    connection: createStore<ConnectionInfo>({ state: 'reconnecting', firstConnect: true }),
    chats: createStore<ChatsState>({ byId: {}, loaded: false }),
    /** Per chat, only for chats opened in this session. */
    timelines: createStore<Record<number, Timeline>>({}),
    participants: createStore<Record<number, ParticipantResource[]>>({}),
    typing: createStore<Record<number, Record<number, TypingEntry>>>({}),
    presence: createStore<Record<number, 'online' | 'offline'>>({}),
    notices: createStore<Notice[]>([]),
    /** Per chat, the message my next send answers (the composer shows its quote). */
    replyingTo: createStore<Record<number, MessageResource | undefined>>({}),
  };
}

export type Stores = ReturnType<typeof createStores>;

/** Chats, most recent activity first. */
export function sortedChats(byId: Record<number, ChatResource>): ChatResource[] {
  return Object.values(byId).sort((a, b) => activity(b) - activity(a) || b.id - a.id);
}

function activity(chat: ChatResource): number {
  const at = chat.last_activity_at ?? chat.created_at;
  return at ? Date.parse(at) : 0;
}
