import { useEffect, useMemo, useState } from 'react';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import { emptyTimeline } from '../state/timeline.js';
import { Avatar, PresenceDot } from './avatar.js';
import { Composer } from './composer.js';
import { chatTitle, isMuted, otherParticipant } from './format.js';
import { MessageList } from './message-list.js';
import { ParticipantsDialog } from './participants-dialog.js';
import { PinsDialog } from './pins-dialog.js';

interface Props {
  chatId: number;
  onBack: () => void;
}

export function Conversation({ chatId, onBack }: Props) {
  const session = useSession();
  const me = session.me.id;
  const chat = useStore(session.stores.chats, (s) => s.byId[chatId]);
  const timeline = useStore(session.stores.timelines, (s) => s[chatId]) ?? emptyTimeline;
  const typing = useStore(session.stores.typing, (s) => s[chatId]);
  const presence = useStore(session.stores.presence, (s) => s);
  const [managing, setManaging] = useState(false);
  const [pinsOpen, setPinsOpen] = useState(false);
  const visible = usePageVisible();
  const connected = useStore(session.stores.connection, (s) => s.state === 'connected');

  useEffect(() => {
    void session.openChat(chatId);
    return () => session.stopTyping(chatId);
  }, [session, chatId]);

  // Reading: the newest message is on screen while the page is visible (again after a reconnect,
  // in case the last mark_read was lost with the connection).
  const newest = timeline.messages.at(-1)?.seq ?? 0;
  const myReadSeq = chat?.my_last_read_seq ?? 0;
  const unread = chat?.unread_count ?? 0;
  useEffect(() => {
    if (visible && newest > 0 && (newest > myReadSeq || unread > 0)) {
      void session.markRead(chatId, newest);
    }
  }, [session, chatId, visible, connected, newest, myReadSeq, unread]);

  const typists = useMemo(() => Object.values(typing ?? {}).map((t) => t.name), [typing]);

  if (!chat) return null;
  const title = chatTitle(chat, me);
  const muted = isMuted(chat);
  const other = otherParticipant(chat, me);
  return (
    <section className="conversation" aria-label={`Conversation with ${title}`}>
      <header className="conversation-head">
        <button type="button" className="ghost back" onClick={onBack} aria-label="Back to chats">
          ←
        </button>
        <Avatar name={title} />
        <div className="conversation-title">
          <h2>{title}</h2>
          <p className="muted">
            {other ? (
              <>
                <PresenceDot status={presence[other.id]} />{' '}
                {presence[other.id] === 'online' ? 'Online' : 'Offline'}
              </>
            ) : (
              `${chat.participants_count} members`
            )}
          </p>
        </div>
        {[
          { id: 'pins', label: 'Pinned', act: () => setPinsOpen(true) },
          {
            id: 'mute',
            label: muted ? 'Unmute' : 'Mute',
            act: () => session.setMuted(chatId, !muted),
          },
          {
            id: 'participants',
            label: chat.type === 'group' ? 'Members' : 'Details',
            act: () => setManaging(true),
          },
        ].map(({ id, label, act }) => (
          <button
            key={id}
            type="button"
            className="ghost"
            data-testid={id}
            aria-pressed={id === 'mute' ? muted : undefined}
            onClick={() => void act()}
          >
            {label}
          </button>
        ))}
      </header>
      <MessageList chat={chat} timeline={timeline} />
      <div className="typing-line" aria-live="polite">
        {typists.length > 0 && (
          <span data-testid="typing" className="typing">
            <span className="typing-dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {typists.length === 1
              ? `${typists[0]} is typing…`
              : `${typists.slice(0, -1).join(', ')} and ${typists.at(-1)} are typing…`}
          </span>
        )}
      </div>
      <Composer chatId={chatId} />
      {managing && <ParticipantsDialog chat={chat} onClose={() => setManaging(false)} />}
      {pinsOpen && <PinsDialog chatId={chatId} onClose={() => setPinsOpen(false)} />}
    </section>
  );
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return visible;
}
