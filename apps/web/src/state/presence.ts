import type { EchoMember, ServerEvents } from '@kelisim/contracts';
import { echoChannels } from '@kelisim/contracts';
import type { ChatSocket } from './chat-socket.js';
import type { Store } from './store.js';
import type { ChatsState } from './stores.js';

/** Echo presence channels a socket may hold (the gateway allows 100). */
const maxPresenceChannels = 50;

type Status = 'online' | 'offline';

/**
 * Who is online: the gateway's `presence` events, and the Echo presence channels of my chats
 * (Laravel Echo's wire events, which the gateway also speaks) for who is there when I join.
 */
export class Presence {
  /** Chats whose presence channel this connection has subscribed. */
  private readonly subscribed = new Set<number>();

  constructor(
    private readonly socket: ChatSocket,
    private readonly store: Store<Record<number, Status>>,
    private readonly chats: Store<ChatsState>,
  ) {}

  /** A new connection holds no channels yet. */
  connected(): void {
    this.subscribed.clear();
    this.subscribeMyChats();
  }

  /** Subscribes the presence channels of my chats not subscribed yet. */
  subscribeMyChats(): void {
    if (!this.socket.connected) return;
    const chats = Object.values(this.chats.get().byId).slice(0, maxPresenceChannels);
    for (const chat of chats) {
      if (this.subscribed.has(chat.id)) continue;
      this.subscribed.add(chat.id);
      this.socket.emit('subscribe', { channel: echoChannels.presenceChat(chat.id) });
    }
  }

  snapshot(event: ServerEvents['presence_snapshot']): void {
    const statuses = Object.fromEntries(event.users.map((u) => [u.user_id, u.status]));
    this.store.set((all) => ({ ...all, ...statuses }));
  }

  changed(event: ServerEvents['presence']): void {
    this.setStatus(event.user_id, event.status);
  }

  /** A presence channel's members, when subscribed or when one joins. */
  here(members: readonly EchoMember[]): void {
    for (const member of members) this.setStatus(Number(member.user_id), 'online');
  }

  private setStatus(userId: number, status: Status): void {
    this.store.set((all) => ({ ...all, [userId]: status }));
  }
}
