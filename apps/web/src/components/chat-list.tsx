import { useMemo } from 'react';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import { sortedChats } from '../state/stores.js';
import { Avatar } from './avatar.js';
import { chatTitle, isMuted, messagePreview, otherParticipant, shortTime } from './format.js';

interface Props {
  selected: number | null;
  onOpen: (chatId: number) => void;
}

export function ChatList({ selected, onOpen }: Props) {
  const session = useSession();
  const me = session.me.id;
  const byId = useStore(session.stores.chats, (s) => s.byId);
  const loaded = useStore(session.stores.chats, (s) => s.loaded);
  const presence = useStore(session.stores.presence, (s) => s);
  const chats = useMemo(() => sortedChats(byId), [byId]);

  if (!loaded) return <p className="muted pad">Loading chats…</p>;
  return (
    <ul className="chat-list" data-testid="chat-list">
      {chats.length === 0 && (
        <li className="muted pad">No chats yet. Start one with “New chat”.</li>
      )}
      {chats.map((chat) => {
        const title = chatTitle(chat, me);
        const other = otherParticipant(chat, me);
        const unread = chat.unread_count;
        return (
          <li key={chat.id}>
            <button
              type="button"
              className="chat-item"
              data-testid="chat-item"
              data-chat-id={chat.id}
              aria-current={chat.id === selected ? 'true' : undefined}
              onClick={() => onOpen(chat.id)}
            >
              <Avatar
                name={title}
                presence={other !== undefined}
                status={other ? presence[other.id] : undefined}
              />
              <span className="chat-item-body">
                <span className="chat-item-top">
                  <span className="chat-item-title">{title}</span>
                  <span className="chat-item-time">
                    {shortTime(chat.last_activity_at ?? chat.created_at)}
                  </span>
                </span>
                <span className="chat-item-bottom">
                  <span className="chat-item-preview">{messagePreview(chat.last_message, me)}</span>
                  {chat.unread_mentions > 0 && (
                    <span
                      className="badge mention"
                      data-testid="mention-badge"
                      aria-label={`${chat.unread_mentions} unread mentions of you`}
                    >
                      @
                    </span>
                  )}
                  {isMuted(chat) && (
                    <span
                      className="muted-mark"
                      data-testid="muted"
                      aria-label="Muted"
                      title="Muted"
                    >
                      🔕
                    </span>
                  )}
                  {unread > 0 && (
                    <span
                      className={`badge${isMuted(chat) ? ' quiet' : ''}`}
                      data-testid="unread-badge"
                      aria-label={`${unread} unread`}
                    >
                      {unread > 99 ? '99+' : unread}
                    </span>
                  )}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
