import type {
  Ack,
  EchoClientToServerEvents,
  EchoMember,
  EchoServerToClientEvents,
  ChatResource,
  ClientToServerEvents,
  FileResource,
  MessageResource,
  ParticipantResource,
  ServerEvents,
  ServerToClientEvents,
  UnreadCounts,
  UserListItem,
  UserProfile,
} from '@kelisim/contracts';
import { echoChannels, TYPING_REPEAT_WINDOW_MS } from '@kelisim/contracts';
import { io, type Socket } from 'socket.io-client';
import { ChatError, errorText, plainMessage, timeoutError } from '../api/errors.js';
import { fileSources } from '../api/file-links.js';
import { Http } from '../api/http.js';
import { createStores, type Stores } from './stores.js';
import { demoToken, renewExpiredSession, sessionEndedText } from './token-life.js';
import {
  contiguousTop,
  emptyTimeline,
  failUpload,
  leavesGap,
  markDeleted,
  mergeMessages,
  updatePending,
  type PendingItem,
  type Timeline,
} from './timeline.js';

type ChatSocket = Socket<
  ServerToClientEvents & EchoServerToClientEvents,
  ClientToServerEvents & EchoClientToServerEvents
>;

const ackTimeoutMs = 10_000;
const typingShownMs = 6_000;
const typingIdleMs = 3_000;
/** Echo presence channels a socket may hold (the gateway allows 100). */
const maxPresenceChannels = 50;
const maxSyncRounds = 1_000;
/** Chats one `sync_chats` may resume (the gateway's SYNC_CHATS_MAX). */
const syncChatsMax = 200;
/** Chat list pages of 100 loaded at sign-in and after a reconnect. */
const maxChatPages = 10;

/** Laravel Echo's wire events, which the gateway also speaks (presence channel snapshots). */
const presenceChannel = echoChannels.presenceChat;

/**
 * The signed-in user's connection to the cluster: REST for pages and uploads, socket.io for
 * everything live. It owns the stores and is the only writer; components call its methods.
 */
export class ChatSession {
  readonly stores: Stores = createStores();
  readonly http: Http;
  private readonly socket: ChatSocket;
  private everConnected = false;
  private readonly syncing = new Map<number, Promise<void>>();
  private readonly resync = new Set<number>();
  private readonly reading = new Set<number>();
  private readonly subscribed = new Set<number>();
  private readonly typingSent = new Map<number, { at: number; stop?: number }>();
  private noticeId = 0;
  private readonly blobs = new Map<string, Promise<string>>();
  /** Uploads the worker refused, by file id (the event can beat the upload's own response). */
  private readonly failedUploads = new Map<number, string>();
  private typingSweep: number | undefined;

  constructor(
    public token: string,
    readonly me: UserProfile,
    private readonly onSignedOut: (reason: string) => void,
    private readonly onTokenRenewed: (token: string) => void = () => undefined,
  ) {
    this.http = new Http(token);
    this.socket = io({
      auth: { token },
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 3_000,
      autoConnect: false,
    });
    this.listen();
  }

  async start(): Promise<void> {
    this.typingSweep = window.setInterval(() => this.expireTyping(), 1_000);
    window.addEventListener('offline', this.wentOffline);
    this.socket.connect();
    await this.loadChats();
  }

  stop(): void {
    window.clearInterval(this.typingSweep);
    window.removeEventListener('offline', this.wentOffline);
    for (const url of this.blobs.values())
      void url.then(
        (u) => URL.revokeObjectURL(u),
        () => undefined,
      );
    this.blobs.clear();
    this.socket.disconnect();
  }

  // ——— chats ———

  async loadChats(): Promise<void> {
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
      this.stores.chats.set({
        byId: Object.fromEntries(chats.map((c) => [c.id, c])),
        loaded: true,
      });
      this.subscribePresence();
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  async createChat(input: {
    type: 'direct' | 'group';
    name?: string;
    participantIds: number[];
  }): Promise<ChatResource> {
    const chat = await this.http.send<ChatResource>('POST', '/api/chats', {
      type: input.type,
      ...(input.type === 'group' && input.name ? { name: input.name } : {}),
      participant_ids: input.participantIds,
    });
    this.putChat(chat);
    return chat;
  }

  searchUsers(text: string): Promise<UserListItem[]> {
    const query = new URLSearchParams({ search: text, limit: '20' });
    return this.http.get<UserListItem[]>(`/api/users?${query.toString()}`);
  }

  async loadParticipants(chatId: number): Promise<void> {
    try {
      const list = await this.http.get<ParticipantResource[]>(`/api/chats/${chatId}/participants`);
      this.stores.participants.set((all) => ({ ...all, [chatId]: list }));
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  async addParticipants(chatId: number, userIds: number[]): Promise<void> {
    await this.http.send('POST', `/api/chats/${chatId}/participants`, { user_ids: userIds });
    await this.loadParticipants(chatId);
  }

  async removeParticipant(chatId: number, userId: number): Promise<void> {
    await this.http.send('DELETE', `/api/chats/${chatId}/participants/${userId}`);
    if (userId === this.me.id) this.dropChat(chatId);
    else await this.loadParticipants(chatId);
  }

  // ——— messages ———

  /** Loads the newest page of a chat the first time it is opened. */
  async openChat(chatId: number): Promise<void> {
    void this.loadParticipants(chatId);
    if (this.stores.timelines.get()[chatId]) {
      await this.syncChat(chatId);
      return;
    }
    try {
      const page = await this.http.page<MessageResource[], { has_more: boolean }>(
        `/api/chats/${chatId}/messages?limit=50`,
      );
      this.setTimeline(chatId, (t) => ({
        ...mergeMessages(t, page.data, this.me.id),
        hasOlder: page.meta.has_more,
      }));
      // Anything pushed between the page and now is merged; anything missed is synced.
      await this.syncChat(chatId);
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  /** Infinite scroll up: the page before the oldest message held. */
  async loadOlder(chatId: number): Promise<void> {
    const timeline = this.stores.timelines.get()[chatId];
    const oldest = timeline?.messages[0];
    if (!timeline || !oldest || !timeline.hasOlder || timeline.loadingOlder) return;
    this.setTimeline(chatId, (t) => ({ ...t, loadingOlder: true }));
    try {
      const page = await this.http.page<MessageResource[], { has_more: boolean }>(
        `/api/chats/${chatId}/messages?before=${oldest.seq}&limit=50`,
      );
      this.setTimeline(chatId, (t) => ({
        ...mergeMessages(t, page.data, this.me.id),
        hasOlder: page.meta.has_more,
        loadingOlder: false,
      }));
    } catch (error) {
      this.setTimeline(chatId, (t) => ({ ...t, loadingOlder: false }));
      this.notify(errorText(error));
    }
  }

  async send(chatId: number, content: string): Promise<void> {
    const tempId = newTempId();
    this.addPending(chatId, { tempId, kind: 'text', content, status: 'sending' });
    this.stopTyping(chatId);
    await this.deliver(chatId, tempId, content);
  }

  async retry(chatId: number, item: PendingItem): Promise<void> {
    if (item.kind === 'file' && item.file) {
      this.removePending(chatId, item.tempId);
      await this.upload(chatId, item.file, item.content);
      return;
    }
    this.setTimeline(chatId, (t) =>
      updatePending(t, item.tempId, { status: 'sending', error: undefined }),
    );
    await this.deliver(chatId, item.tempId, item.content);
  }

  discard(chatId: number, tempId: string): void {
    this.removePending(chatId, tempId);
  }

  async upload(chatId: number, file: File, caption = ''): Promise<void> {
    const tempId = newTempId();
    this.addPending(chatId, {
      tempId,
      kind: 'file',
      content: caption,
      status: 'uploading',
      progress: 0,
      file,
    });
    const form = new FormData();
    form.append('temp_id', tempId);
    if (caption) form.append('content', caption);
    form.append('file', file, file.name);
    try {
      const resource = await this.http.upload<FileResource>(
        `/api/chats/${chatId}/files`,
        form,
        (progress) => this.setTimeline(chatId, (t) => updatePending(t, tempId, { progress })),
      );
      const heardFailure = this.failedUploads.get(resource.id);
      const refused =
        resource.status === 'rejected' ||
        resource.status === 'failed' ||
        heardFailure !== undefined;
      const error = resource.status_reason ?? heardFailure ?? 'That file was not accepted.';
      this.setTimeline(chatId, (t) =>
        updatePending(t, tempId, {
          status: refused ? 'failed' : 'processing',
          progress: 1,
          fileId: resource.id,
          ...(refused ? { error } : {}),
        }),
      );
    } catch (error) {
      this.setTimeline(chatId, (t) =>
        updatePending(t, tempId, { status: 'failed', error: errorText(error) }),
      );
    }
  }

  async deleteMessage(message: MessageResource): Promise<void> {
    try {
      const tombstone = await this.http.send<MessageResource>(
        'DELETE',
        `/api/messages/${message.id}`,
      );
      this.setTimeline(message.chat_id, (t) =>
        markDeleted(t, message.id, tombstone.deleted_at ?? new Date().toISOString()),
      );
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  /** Moves my read cursor to `seq` (the newest message on screen). */
  async markRead(chatId: number, seq: number): Promise<void> {
    const chat = this.stores.chats.get().byId[chatId];
    if (!chat || this.reading.has(chatId)) return;
    if (seq <= chat.my_last_read_seq && chat.unread_count === 0) return;
    this.reading.add(chatId);
    try {
      const state = this.socket.connected
        ? await this.call('mark_read', { chat_id: chatId, seq })
        : await this.http.send<{ last_read_seq: number; unread_count: number }>(
            'PUT',
            `/api/chats/${chatId}/read`,
            { seq },
          );
      this.patchChat(chatId, {
        my_last_read_seq: state.last_read_seq,
        unread_count: state.unread_count,
      });
    } catch (error) {
      // The next render or reconnect tries again.
      console.warn('mark_read failed', error);
    } finally {
      this.reading.delete(chatId);
    }
  }

  /** Composer input: "is typing" at most every 2 s, "stopped" after 3 s idle or on send. */
  typing(chatId: number): void {
    const now = Date.now();
    const sent = this.typingSent.get(chatId);
    if (sent?.stop !== undefined) window.clearTimeout(sent.stop);
    const repeat = !sent || now - sent.at >= TYPING_REPEAT_WINDOW_MS;
    if (repeat && this.socket.connected)
      this.socket.emit('typing', { chat_id: chatId, is_typing: true });
    this.typingSent.set(chatId, {
      at: repeat ? now : (sent?.at ?? now),
      stop: window.setTimeout(() => this.stopTyping(chatId), typingIdleMs),
    });
  }

  stopTyping(chatId: number): void {
    const sent = this.typingSent.get(chatId);
    if (!sent) return;
    if (sent.stop !== undefined) window.clearTimeout(sent.stop);
    this.typingSent.delete(chatId);
    if (this.socket.connected) this.socket.emit('typing', { chat_id: chatId, is_typing: false });
  }

  /** A thumbnail behind the token (no signed link) as an object URL, fetched once per session. */
  blobUrl(path: string): Promise<string> {
    let url = this.blobs.get(path);
    if (!url) {
      url = this.http.blob(path).then((blob) => URL.createObjectURL(blob));
      void url.catch(() => this.blobs.delete(path));
      this.blobs.set(path, url);
    }
    return url;
  }

  /**
   * Saves a file: fetched through its signed link (no token), or with the token when it has none,
   * then saved from a blob URL. A fetch, not a navigation, so the page's own routes never answer it.
   */
  async download(file: FileResource): Promise<void> {
    const { path, withToken } = fileSources(file).download;
    const name = file.name;
    try {
      const url = URL.createObjectURL(await this.http.blob(path, withToken));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  dismissNotice(id: number): void {
    this.stores.notices.set((list) => list.filter((n) => n.id !== id));
  }

  notify(text: string): void {
    const id = ++this.noticeId;
    this.stores.notices.set((list) => [...list.slice(-2), { id, text }]);
    window.setTimeout(() => this.dismissNotice(id), 8_000);
  }

  // ——— socket ———

  /** The token expired on the live connection: re-authenticate it, or end the session. */
  private async renewToken(): Promise<void> {
    const result = await renewExpiredSession({
      freshToken: () => demoToken(this.me.id),
      reauth: (token) => this.socket.timeout(ackTimeoutMs).emitWithAck('reauth', { token }),
    });
    if ('ended' in result) return this.onSignedOut(result.ended);
    this.token = result.token;
    this.http.useToken(result.token);
    this.socket.auth = { token: result.token };
    this.onTokenRenewed(result.token);
  }

  /** The browser lost its network: say so (socket.io reconnects once it is back). */
  private readonly wentOffline = () => {
    if (!this.socket.connected) this.stores.connection.set((c) => ({ ...c, state: 'offline' }));
  };

  private listen(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      const reconnected = this.everConnected;
      this.everConnected = true;
      this.stores.connection.set({ state: 'connected', firstConnect: false });
      this.subscribed.clear();
      this.subscribePresence();
      if (reconnected) void this.resume();
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        this.stores.connection.set((c) => ({ ...c, state: 'offline' }));
        return;
      }
      this.stores.connection.set((c) => ({ ...c, state: 'reconnecting' }));
      // A draining node closes its sockets on purpose; socket.io only retries dropped links by
      // itself, so come back (to whichever node the load balancer picks) after a short pause.
      if (reason === 'io server disconnect') {
        window.setTimeout(() => socket.connect(), 300 + Math.random() * 700);
      }
    });
    socket.on('auth_expired', () => void this.renewToken());
    socket.on('auth_revoked', () => this.onSignedOut(sessionEndedText));
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'unauthenticated') {
        this.onSignedOut(plainMessage({ code: 'unauthenticated', message: error.message }));
        return;
      }
      this.stores.connection.set((c) => ({ ...c, state: 'reconnecting' }));
    });
    socket.io.on('reconnect_failed', () => {
      this.stores.connection.set((c) => ({ ...c, state: 'offline' }));
    });

    socket.on('new_message', (payload) => {
      if (isEvent(payload)) this.receive(payload.message);
    });
    socket.on('file_ready', (payload) => {
      if (isEvent(payload)) this.receive(payload.message);
    });
    socket.on('file_failed', (payload) => {
      if (!isEvent(payload)) return;
      const { file } = payload;
      const reason = file.status_reason ?? 'That file could not be processed.';
      this.failedUploads.set(file.id, reason);
      this.setTimelineIfLoaded(file.chat_id, (t) => failUpload(t, file.id, reason));
    });
    socket.on('message_deleted', (payload) => {
      if (!isEvent(payload)) return;
      this.setTimelineIfLoaded(payload.chat_id, (t) =>
        markDeleted(t, payload.message_id, new Date().toISOString()),
      );
    });
    socket.on('message_read', (payload) => {
      if (isEvent(payload)) this.readMoved(payload);
    });
    socket.on('unread_count', (payload) => {
      if (isEvent(payload)) this.unreadCounts(payload);
    });
    socket.on('typing', (payload) => {
      if (isEvent(payload)) this.someoneTyping(payload);
    });
    socket.on('presence_snapshot', (payload) => {
      if (!isEvent(payload)) return;
      const online = Object.fromEntries(payload.users.map((u) => [u.user_id, u.status]));
      this.stores.presence.set((all) => ({ ...all, ...online }));
    });
    socket.on('presence', (payload) => {
      if (!isEvent(payload)) return;
      this.stores.presence.set((all) => ({ ...all, [payload.user_id]: payload.status }));
    });
    socket.on('chat_created', (payload) => {
      if (!isEvent(payload)) return;
      this.putChat(payload.chat);
      this.subscribePresence();
    });
    socket.on('participant_added', (payload) => {
      if (isEvent(payload)) void this.membershipChanged(payload.chat_id, payload.user_id, true);
    });
    socket.on('participant_removed', (payload) => {
      if (isEvent(payload)) void this.membershipChanged(payload.chat_id, payload.user_id, false);
    });
    socket.on('error', (payload) => {
      if (isEvent(payload) && payload.code !== 'unavailable') this.notify(plainMessage(payload));
    });

    const setOnline = (member: EchoMember, status: 'online' | 'offline') =>
      this.stores.presence.set((all) => ({ ...all, [Number(member.user_id)]: status }));
    socket.on('presence:subscribed', (_channel, members) => {
      for (const member of members) setOnline(member, 'online');
    });
    socket.on('presence:joining', (_channel, member) => setOnline(member, 'online'));
  }

  /**
   * After a reconnect: chats and unread counts afresh, then every opened chat resumed by seq with
   * `sync_chats` (200 chats a round trip), waiting out `retry_after` when rate limited.
   */
  private async resume(): Promise<void> {
    await this.loadChats();
    let behind = Object.keys(this.stores.timelines.get()).map(Number);
    for (let round = 0; round < maxSyncRounds && behind.length > 0; round++) {
      if (!this.socket.connected) return;
      try {
        const more = await this.syncChats(behind.slice(0, syncChatsMax));
        behind = [...more, ...behind.slice(syncChatsMax)];
      } catch (error) {
        if (!(error instanceof ChatError) || error.code !== 'rate_limited') return;
        await sleep((error.retryAfterSeconds ?? 1) * 1_000);
      }
    }
  }

  /** One `sync_chats` round trip for up to syncChatsMax chats; those with more to fetch. */
  private async syncChats(chatIds: number[]): Promise<number[]> {
    const timelines = this.stores.timelines.get();
    const answer = await this.call('sync_chats', {
      chats: chatIds.map((chatId) => ({
        chat_id: chatId,
        after_seq: contiguousTop(timelines[chatId] ?? emptyTimeline),
      })),
      limit_per_chat: 100,
    });
    for (const chat of answer.chats) {
      this.setTimelineIfLoaded(chat.chat_id, (t) => mergeMessages(t, chat.messages, this.me.id));
      const last = chat.messages.at(-1);
      if (last) this.updateLastMessage(last, false);
    }
    return answer.chats.filter((c) => c.has_more).map((c) => c.chat_id);
  }

  /** `sync` from the highest contiguous seq until the server has nothing more. */
  private syncChat(chatId: number): Promise<void> {
    const running = this.syncing.get(chatId);
    if (running) {
      this.resync.add(chatId);
      return running;
    }
    const run = (async () => {
      try {
        for (let round = 0; round < maxSyncRounds; round++) {
          if (!this.socket.connected) return;
          const timeline = this.stores.timelines.get()[chatId] ?? emptyTimeline;
          const page = await this.call('sync', {
            chat_id: chatId,
            after_seq: contiguousTop(timeline),
            limit: 100,
          });
          this.setTimeline(chatId, (t) => mergeMessages(t, page.messages, this.me.id));
          const last = page.messages.at(-1);
          if (last) this.updateLastMessage(last, false);
          if (!page.has_more) return;
        }
      } catch {
        // Dropped mid-way: the next connect syncs again from what is held.
      } finally {
        this.syncing.delete(chatId);
      }
    })();
    this.syncing.set(chatId, run);
    return run.then(() => {
      if (this.resync.delete(chatId)) return this.syncChat(chatId);
    });
  }

  private receive(message: MessageResource): void {
    const chatId = message.chat_id;
    const timeline = this.stores.timelines.get()[chatId];
    if (timeline) {
      const gap = leavesGap(timeline, message.seq);
      this.setTimeline(chatId, (t) => mergeMessages(t, [message], this.me.id));
      if (gap) void this.syncChat(chatId);
    }
    this.clearTyping(chatId, message.sender.id);
    this.updateLastMessage(message, true);
  }

  private async deliver(chatId: number, tempId: string, content: string): Promise<void> {
    try {
      const message = this.socket.connected
        ? (await this.call('send_message', { chat_id: chatId, content, temp_id: tempId })).message
        : await this.http.send<MessageResource>('POST', `/api/chats/${chatId}/messages`, {
            content,
            temp_id: tempId,
          });
      this.receive(message);
    } catch (error) {
      this.setTimeline(chatId, (t) =>
        updatePending(t, tempId, { status: 'failed', error: errorText(error) }),
      );
    }
  }

  private updateLastMessage(message: MessageResource, live: boolean): void {
    const chat = this.stores.chats.get().byId[message.chat_id];
    if (!chat) {
      void this.fetchChat(message.chat_id);
      return;
    }
    if (message.seq < chat.last_seq) return;
    const isNew = message.seq > chat.last_seq;
    const mine = message.sender.id === this.me.id;
    this.patchChat(chat.id, {
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

  private readMoved(event: ServerEvents['message_read']): void {
    this.stores.participants.set((all) => {
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
    if (event.user_id === this.me.id) {
      const chat = this.stores.chats.get().byId[event.chat_id];
      if (chat && event.last_read_seq > chat.my_last_read_seq) {
        this.patchChat(event.chat_id, { my_last_read_seq: event.last_read_seq });
      }
    }
  }

  private unreadCounts(counts: UnreadCounts): void {
    const unread = new Map(counts.chats.map((c) => [c.chat_id, c.unread]));
    this.stores.chats.set((state) => {
      const byId = { ...state.byId };
      for (const chat of Object.values(state.byId)) {
        byId[chat.id] = { ...chat, unread_count: unread.get(chat.id) ?? 0 };
      }
      return { ...state, byId };
    });
  }

  private someoneTyping(event: ServerEvents['typing']): void {
    if (event.user.id === this.me.id) return;
    if (!event.is_typing) {
      this.clearTyping(event.chat_id, event.user.id);
      return;
    }
    this.stores.typing.set((all) => ({
      ...all,
      [event.chat_id]: {
        ...all[event.chat_id],
        [event.user.id]: { name: event.user.name, until: Date.now() + typingShownMs },
      },
    }));
  }

  private clearTyping(chatId: number, userId: number): void {
    this.stores.typing.set((all) => {
      const chat = all[chatId];
      if (!chat?.[userId]) return all;
      const { [userId]: _, ...rest } = chat;
      return { ...all, [chatId]: rest };
    });
  }

  private expireTyping(): void {
    const now = Date.now();
    for (const [chatId, users] of Object.entries(this.stores.typing.get())) {
      for (const [userId, entry] of Object.entries(users)) {
        if (entry.until <= now) this.clearTyping(Number(chatId), Number(userId));
      }
    }
  }

  private async membershipChanged(chatId: number, userId: number, added: boolean): Promise<void> {
    if (userId === this.me.id) {
      if (added) await this.fetchChat(chatId);
      else this.dropChat(chatId);
      return;
    }
    if (this.stores.participants.get()[chatId]) await this.loadParticipants(chatId);
    const chat = this.stores.chats.get().byId[chatId];
    if (chat) {
      this.patchChat(chatId, {
        participants_count: Math.max(1, chat.participants_count + (added ? 1 : -1)),
      });
    }
  }

  private async fetchChat(chatId: number): Promise<void> {
    try {
      this.putChat(await this.http.get<ChatResource>(`/api/chats/${chatId}`));
      this.subscribePresence();
    } catch {
      // Not (or no longer) a participant.
    }
  }

  /** Echo presence channels of my chats: who is online now, then joins (`presence` events after). */
  private subscribePresence(): void {
    if (!this.socket.connected) return;
    const chats = Object.values(this.stores.chats.get().byId).slice(0, maxPresenceChannels);
    for (const chat of chats) {
      if (this.subscribed.has(chat.id)) continue;
      this.subscribed.add(chat.id);
      this.socket.emit('subscribe', { channel: presenceChannel(chat.id) });
    }
  }

  private putChat(chat: ChatResource): void {
    this.stores.chats.set((state) => ({ ...state, byId: { ...state.byId, [chat.id]: chat } }));
  }

  private patchChat(chatId: number, change: Partial<ChatResource>): void {
    this.stores.chats.set((state) => {
      const chat = state.byId[chatId];
      if (!chat) return state;
      return { ...state, byId: { ...state.byId, [chatId]: { ...chat, ...change } } };
    });
  }

  private dropChat(chatId: number): void {
    this.stores.chats.set((state) => {
      const { [chatId]: _, ...byId } = state.byId;
      return { ...state, byId };
    });
    this.stores.timelines.set((all) => {
      const { [chatId]: _, ...rest } = all;
      return rest;
    });
  }

  private setTimeline(chatId: number, update: (timeline: Timeline) => Timeline): void {
    this.stores.timelines.set((all) => {
      const current = all[chatId] ?? emptyTimeline;
      const next = update(current);
      return next === current && all[chatId] ? all : { ...all, [chatId]: next };
    });
  }

  private setTimelineIfLoaded(chatId: number, update: (timeline: Timeline) => Timeline): void {
    if (this.stores.timelines.get()[chatId]) this.setTimeline(chatId, update);
  }

  private addPending(chatId: number, item: Omit<PendingItem, 'createdAt'>): void {
    this.setTimeline(chatId, (t) => ({
      ...t,
      pending: [...t.pending, { ...item, createdAt: new Date().toISOString() }],
    }));
  }

  private removePending(chatId: number, tempId: string): void {
    this.setTimeline(chatId, (t) => ({
      ...t,
      pending: t.pending.filter((p) => p.tempId !== tempId),
    }));
  }

  /** An event with an ack: the ack's success, or its error in plain words, or a timeout. */
  private async call<E extends AckedEvent>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Extract<AckOf<E>, { ok: true }>> {
    const emitter = this.socket.timeout(ackTimeoutMs) as unknown as {
      emitWithAck(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<AckOf<E>>;
    };
    let answer: Ack;
    try {
      answer = await emitter.emitWithAck(event, payload);
    } catch {
      throw timeoutError();
    }
    if (!answer.ok) {
      const retryAfterSeconds = answer.error.retry_after;
      const plain = plainMessage({ ...answer.error, retryAfterSeconds });
      throw new ChatError(answer.error.code, plain, undefined, retryAfterSeconds);
    }
    return answer as Extract<AckOf<E>, { ok: true }>;
  }
}

type AckedEvent = 'send_message' | 'sync' | 'sync_chats' | 'mark_read';
type AckOf<E extends AckedEvent> = Parameters<
  NonNullable<Parameters<ClientToServerEvents[E]>[1]>
>[0];

const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** Events are objects; the Echo form of the same event (channel name first) is ignored. */
function isEvent<T>(payload: T): payload is T & object {
  return typeof payload === 'object' && payload !== null;
}

/** A client-made id for a send (crypto.randomUUID needs a secure context; this does not). */
export function newTempId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
