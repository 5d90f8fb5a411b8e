import type { ServerEvents } from '@kelisim/contracts';
import { TYPING_REPEAT_WINDOW_MS } from '@kelisim/contracts';
import type { ChatSocket } from './chat-socket.js';
import type { Store } from './store.js';
import type { TypingEntry } from './stores.js';

const typingShownMs = 6_000;
const typingIdleMs = 3_000;

/** "Is typing": mine sent from the composer, others' shown until they stop or go quiet. */
export class Typing {
  /** When I last said "is typing" in each chat, and the timer that will say "stopped". */
  private readonly sent = new Map<number, { at: number; stop?: number }>();
  private sweep: number | undefined;

  constructor(
    private readonly socket: ChatSocket,
    private readonly store: Store<Record<number, Record<number, TypingEntry>>>,
    private readonly myId: number,
  ) {}

  start(): void {
    this.sweep = window.setInterval(() => this.expire(), 1_000);
  }

  stop(): void {
    window.clearInterval(this.sweep);
  }

  /** Composer input: "is typing" at most every 2 s, "stopped" after 3 s idle or on send. */
  typing(chatId: number): void {
    const now = Date.now();
    const sent = this.sent.get(chatId);
    if (sent?.stop !== undefined) window.clearTimeout(sent.stop);
    const repeat = !sent || now - sent.at >= TYPING_REPEAT_WINDOW_MS;
    if (repeat && this.socket.connected)
      this.socket.emit('typing', { chat_id: chatId, is_typing: true });
    this.sent.set(chatId, {
      at: repeat ? now : (sent?.at ?? now),
      stop: window.setTimeout(() => this.stopTyping(chatId), typingIdleMs),
    });
  }

  stopTyping(chatId: number): void {
    const sent = this.sent.get(chatId);
    if (!sent) return;
    if (sent.stop !== undefined) window.clearTimeout(sent.stop);
    this.sent.delete(chatId);
    if (this.socket.connected) this.socket.emit('typing', { chat_id: chatId, is_typing: false });
  }

  /** `typing` from someone else. */
  heard(event: ServerEvents['typing']): void {
    if (event.user.id === this.myId) return;
    if (!event.is_typing) {
      this.clear(event.chat_id, event.user.id);
      return;
    }
    this.store.set((all) => ({
      ...all,
      [event.chat_id]: {
        ...all[event.chat_id],
        [event.user.id]: { name: event.user.name, until: Date.now() + typingShownMs },
      },
    }));
  }

  /** Someone stopped, or sent the message they were typing. */
  clear(chatId: number, userId: number): void {
    this.store.set((all) => {
      const chat = all[chatId];
      if (!chat?.[userId]) return all;
      const { [userId]: _, ...rest } = chat;
      return { ...all, [chatId]: rest };
    });
  }

  private expire(): void {
    const now = Date.now();
    for (const [chatId, users] of Object.entries(this.store.get())) {
      for (const [userId, entry] of Object.entries(users)) {
        if (entry.until <= now) this.clear(Number(chatId), Number(userId));
      }
    }
  }
}
