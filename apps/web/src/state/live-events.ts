import type { MessageResource } from '@kelisim/contracts';
import { plainMessage } from '../api/errors.js';
import type { ChatSocket } from './chat-socket.js';
import type { ChatList } from './chats.js';
import type { Notify } from './notices.js';
import type { Participants } from './participants.js';
import type { Presence } from './presence.js';
import type { ReadCursors } from './reads.js';
import { applyEdit, applyPin, applyReaction, markDeleted } from './timeline.js';
import type { Timelines } from './timelines.js';
import type { Typing } from './typing.js';
import type { Uploads } from './uploads.js';

export interface LiveEventParts {
  /** The signed-in user's id. */
  me: number;
  /** A message pushed: merged into its timeline, its chat and typing line updated. */
  receive: (message: MessageResource) => void;
  timelines: Timelines;
  chats: ChatList;
  participants: Participants;
  reads: ReadCursors;
  typing: Typing;
  presence: Presence;
  uploads: Uploads;
  notify: Notify;
}

/** Which part handles each event the server pushes about chats (the connection's own aside). */
export function listenToChatEvents(socket: ChatSocket, parts: LiveEventParts): void {
  socket.on('new_message', (payload) => {
    if (isEvent(payload)) parts.receive(payload.message);
  });
  socket.on('file_ready', (payload) => {
    if (isEvent(payload)) parts.receive(payload.message);
  });
  socket.on('file_failed', (payload) => {
    if (isEvent(payload)) parts.uploads.failed(payload.file);
  });
  socket.on('message_deleted', (payload) => {
    if (!isEvent(payload)) return;
    parts.timelines.updateIfOpened(payload.chat_id, (t) =>
      markDeleted(t, payload.message_id, new Date().toISOString()),
    );
  });
  socket.on('message_updated', (payload) => {
    if (!isEvent(payload)) return;
    const { message } = payload;
    parts.timelines.updateIfOpened(message.chat_id, (t) => applyEdit(t, message));
    parts.chats.lastMessage(message, true);
  });
  for (const [event, added] of [
    ['reaction_added', true],
    ['reaction_removed', false],
  ] as const) {
    socket.on(event, (payload) => {
      if (!isEvent(payload)) return;
      parts.timelines.updateIfOpened(payload.chat_id, (t) =>
        applyReaction(t, payload, added, parts.me),
      );
    });
  }
  socket.on('message_pinned', (payload) => {
    if (!isEvent(payload)) return;
    const { id, chat_id, pinned_at, pinned_by } = payload.message;
    parts.timelines.updateIfOpened(chat_id, (t) => applyPin(t, id, { pinned_at, pinned_by }));
  });
  socket.on('message_unpinned', (payload) => {
    if (!isEvent(payload)) return;
    const unpinned = { pinned_at: null, pinned_by: null };
    parts.timelines.updateIfOpened(payload.chat_id, (t) =>
      applyPin(t, payload.message_id, unpinned),
    );
  });
  socket.on('message_read', (payload) => {
    if (isEvent(payload)) parts.reads.moved(payload);
  });
  socket.on('unread_count', (payload) => {
    if (isEvent(payload)) parts.chats.unreadCounts(payload);
  });
  socket.on('typing', (payload) => {
    if (isEvent(payload)) parts.typing.heard(payload);
  });
  socket.on('chat_settings', (payload) => {
    if (isEvent(payload)) parts.chats.patch(payload.chat_id, { muted_until: payload.muted_until });
  });
  socket.on('chat_created', (payload) => {
    if (isEvent(payload)) parts.chats.created(payload.chat);
  });
  socket.on('participant_added', (payload) => {
    if (isEvent(payload)) void parts.participants.changed(payload.chat_id, payload.user_id, true);
  });
  socket.on('participant_removed', (payload) => {
    if (isEvent(payload)) void parts.participants.changed(payload.chat_id, payload.user_id, false);
  });
  socket.on('error', (payload) => {
    if (isEvent(payload) && payload.code !== 'unavailable') parts.notify(plainMessage(payload));
  });

  socket.on('presence_snapshot', (payload) => {
    if (isEvent(payload)) parts.presence.snapshot(payload);
  });
  socket.on('presence', (payload) => {
    if (isEvent(payload)) parts.presence.changed(payload);
  });
  // Laravel Echo's presence channel events, which the gateway also speaks.
  socket.on('presence:subscribed', (_channel, members) => parts.presence.here(members));
  socket.on('presence:joining', (_channel, member) => parts.presence.here([member]));
}

/** Events are objects; the Echo form of the same event (channel name first) is ignored. */
function isEvent<T>(payload: T): payload is T & object {
  return typeof payload === 'object' && payload !== null;
}
