import type {
  ChatResource,
  ChatSettings,
  FileResource,
  MessageResource,
  SearchHit,
  UserListItem,
  UserProfile,
} from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import { Http } from '../api/http.js';
import { createChatSocket, type ChatSocket } from './chat-socket.js';
import { ChatList, type NewChat } from './chats.js';
import { Connection } from './connection.js';
import { FileDownloads } from './file-downloads.js';
import { History } from './history.js';
import { listenToChatEvents } from './live-events.js';
import { MessageActions } from './messages.js';
import { Notices } from './notices.js';
import { Participants } from './participants.js';
import { Presence } from './presence.js';
import { ReadCursors } from './reads.js';
import { createStores, type Stores } from './stores.js';
import { TimelineSync } from './sync.js';
import type { PendingItem } from './timeline.js';
import { Timelines } from './timelines.js';
import { Typing } from './typing.js';
import { Uploads } from './uploads.js';

/** "Until I unmute": the last instant the server's TIMESTAMP columns hold. */
const untilUnmuted = '2038-01-19T03:14:07Z';

/**
 * The signed-in user's connection to the cluster: REST for pages and uploads, socket.io for
 * everything live. It owns the stores and is the only writer; components call its methods, which
 * hand the work to one part per concern.
 */
export class ChatSession {
  readonly stores: Stores = createStores();
  readonly http: Http;
  private readonly socket: ChatSocket;
  private readonly connection: Connection;
  private readonly notices: Notices;
  private readonly timelines: Timelines;
  private readonly chats: ChatList;
  private readonly participants: Participants;
  private readonly reads: ReadCursors;
  private readonly presence: Presence;
  private readonly sync: TimelineSync;
  private readonly history: History;
  private readonly messages: MessageActions;
  private readonly typingState: Typing;
  private readonly uploads: Uploads;
  private readonly files: FileDownloads;

  constructor(
    public token: string,
    readonly me: UserProfile,
    onSignedOut: (reason: string) => void,
    onTokenRenewed: (token: string) => void = () => undefined,
  ) {
    const { stores } = this;
    const notify = (text: string) => this.notify(text);
    this.http = new Http(token);
    this.socket = createChatSocket(token);
    this.notices = new Notices(stores.notices);
    this.timelines = new Timelines(stores.timelines);
    this.presence = new Presence(this.socket, stores.presence, stores.chats);
    this.chats = new ChatList(stores.chats, this.http, me.id, notify, () =>
      this.presence.subscribeMyChats(),
    );
    this.participants = new Participants(
      stores.participants,
      this.http,
      this.chats,
      me.id,
      notify,
      (chatId) => this.forgetChat(chatId),
    );
    this.reads = new ReadCursors(this.socket, this.http, this.chats, stores.participants, me.id);
    this.sync = new TimelineSync(this.socket, this.timelines, me.id, (last) =>
      this.chats.lastMessage(last, false),
    );
    this.history = new History(this.http, this.timelines, this.sync, me.id, notify);
    this.messages = new MessageActions(this.socket, this.http, this.timelines, notify, (message) =>
      this.receive(message),
    );
    this.typingState = new Typing(this.socket, stores.typing, me.id);
    this.uploads = new Uploads(this.http, this.timelines);
    this.files = new FileDownloads(this.http, notify);
    this.connection = new Connection(this.socket, stores.connection, me.id, {
      connected: (reconnected) => {
        this.presence.connected();
        if (reconnected) void this.resume();
      },
      signedOut: onSignedOut,
      tokenRenewed: (renewed) => {
        this.token = renewed;
        this.http.useToken(renewed);
        onTokenRenewed(renewed);
      },
    });
    this.listen();
  }

  async start(): Promise<void> {
    this.typingState.start();
    this.connection.start();
    await this.loadChats();
  }

  stop(): void {
    this.typingState.stop();
    this.files.releaseAll();
    this.connection.stop();
  }

  // ——— chats ———

  loadChats(): Promise<void> {
    return this.chats.load();
  }

  createChat(input: NewChat): Promise<ChatResource> {
    return this.chats.create(input);
  }

  searchUsers(text: string): Promise<UserListItem[]> {
    const query = new URLSearchParams({ search: text, limit: '20' });
    return this.http.get<UserListItem[]>(`/api/users?${query.toString()}`);
  }

  loadParticipants(chatId: number): Promise<void> {
    return this.participants.load(chatId);
  }

  addParticipants(chatId: number, userIds: number[]): Promise<void> {
    return this.participants.add(chatId, userIds);
  }

  removeParticipant(chatId: number, userId: number): Promise<void> {
    return this.participants.remove(chatId, userId);
  }

  // ——— messages ———

  /** Loads the newest page of a chat the first time it is opened; later, what came since. */
  async openChat(chatId: number): Promise<void> {
    void this.participants.load(chatId);
    await this.history.open(chatId);
  }

  /** Infinite scroll up: the page before the oldest message held. */
  loadOlder(chatId: number): Promise<void> {
    return this.history.loadOlder(chatId);
  }

  /** Sends a text, answering the message chosen with `replyTo` if any, mentioning `mentions`. */
  async send(chatId: number, content: string, mentions: number[] = []): Promise<void> {
    this.stopTyping(chatId);
    const replyToId = this.stores.replyingTo.get()[chatId]?.id;
    this.replyTo(chatId, undefined);
    await this.messages.send(chatId, content, replyToId, mentions);
  }

  /** Chooses the message my next send in the chat answers (undefined: none). */
  replyTo(chatId: number, message: MessageResource | undefined): void {
    this.stores.replyingTo.set((all) => ({ ...all, [chatId]: message }));
  }

  async retry(chatId: number, item: PendingItem): Promise<void> {
    if (item.kind === 'file' && item.file) {
      this.timelines.removePending(chatId, item.tempId);
      await this.uploads.upload(chatId, item.file, item.content);
      return;
    }
    await this.messages.resend(chatId, item.tempId, item.content, item.replyToId);
  }

  discard(chatId: number, tempId: string): void {
    this.timelines.removePending(chatId, tempId);
  }

  upload(chatId: number, file: File, caption = ''): Promise<void> {
    return this.uploads.upload(chatId, file, caption);
  }

  deleteMessage(message: MessageResource): Promise<void> {
    return this.messages.delete(message);
  }

  /** Replaces my message's text; false (with a notice) if the server refused. */
  editMessage(message: MessageResource, content: string): Promise<boolean> {
    return this.messages.edit(message, content);
  }

  /** The chat's pinned messages, most recently pinned first. */
  listPins(chatId: number): Promise<MessageResource[]> {
    return this.http.get<MessageResource[]>(`/api/chats/${chatId}/pins`);
  }

  /** Pins the message to its chat, or unpins it. */
  pin(message: MessageResource, pinned: boolean): Promise<boolean> {
    return this.messages.pin(message, pinned);
  }

  /** Adds (`on`) or takes back my reaction with `emoji`. */
  react(message: MessageResource, emoji: string, on: boolean): Promise<boolean> {
    return this.messages.react(message, emoji, on);
  }

  /** Mutes the chat for me until I unmute it (its unread messages leave my total), or unmutes. */
  async setMuted(chatId: number, muted: boolean): Promise<void> {
    try {
      const settings = await this.http.send<ChatSettings>('PUT', `/api/chats/${chatId}/settings`, {
        muted_until: muted ? untilUnmuted : null,
      });
      this.chats.patch(chatId, { muted_until: settings.muted_until });
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  /** Messages containing `q` in my chats, newest first (the first page). */
  async searchMessages(q: string): Promise<SearchHit[]> {
    return this.http.get<SearchHit[]>(`/api/search/messages?q=${encodeURIComponent(q)}`);
  }

  /** Moves my read cursor to `seq` (the newest message on screen). */
  markRead(chatId: number, seq: number): Promise<void> {
    return this.reads.markRead(chatId, seq);
  }

  /** Composer input: "is typing" at most every 2 s, "stopped" after 3 s idle or on send. */
  typing(chatId: number): void {
    this.typingState.typing(chatId);
  }

  stopTyping(chatId: number): void {
    this.typingState.stopTyping(chatId);
  }

  // ——— files and notices ———

  /** A thumbnail behind the token (no signed link) as an object URL, fetched once per session. */
  blobUrl(path: string): Promise<string> {
    return this.files.blobUrl(path);
  }

  /** Saves a file, through its signed link when it has one. */
  download(file: FileResource): Promise<void> {
    return this.files.download(file);
  }

  dismissNotice(id: number): void {
    this.notices.dismiss(id);
  }

  notify(text: string): void {
    this.notices.notify(text);
  }

  // ——— live ———

  private listen(): void {
    listenToChatEvents(this.socket, {
      me: this.me.id,
      receive: (message) => this.receive(message),
      timelines: this.timelines,
      chats: this.chats,
      participants: this.participants,
      reads: this.reads,
      typing: this.typingState,
      presence: this.presence,
      uploads: this.uploads,
      notify: (text) => this.notify(text),
    });
  }

  /** A message pushed, or the server's copy of one I sent. */
  private receive(message: MessageResource): void {
    this.sync.merge(message);
    this.typingState.clear(message.chat_id, message.sender.id);
    this.chats.lastMessage(message, true);
  }

  /** After a reconnect: chats and unread counts afresh, then every opened chat resumed. */
  private async resume(): Promise<void> {
    await this.chats.load();
    await this.sync.resumeOpened();
  }

  private forgetChat(chatId: number): void {
    this.chats.drop(chatId);
    this.timelines.forget(chatId);
  }
}
