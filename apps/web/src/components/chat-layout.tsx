import { useEffect, useState } from 'react';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import { Avatar } from './avatar.js';
import { ChatList } from './chat-list.js';
import { MessageSearch } from './message-search.js';
import { ConnectionStatus } from './connection-status.js';
import { Conversation } from './conversation.js';
import { NewChatDialog } from './new-chat-dialog.js';
import { Notices } from './notices.js';

function chatIdFromHash(): number | null {
  const match = /^#\/chats\/(\d+)$/.exec(window.location.hash);
  return match ? Number(match[1]) : null;
}

/** The open chat lives in the URL hash, so Back returns to the list (phone layout). */
function useOpenChat(): [number | null, (chatId: number | null) => void] {
  const [chatId, setChatId] = useState(chatIdFromHash);
  useEffect(() => {
    const onHash = () => setChatId(chatIdFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const open = (id: number | null) => {
    window.location.hash = id === null ? '' : `#/chats/${id}`;
  };
  return [chatId, open];
}

export function ChatLayout({ onSignOut }: { onSignOut: () => void }) {
  const session = useSession();
  const [chatId, openChat] = useOpenChat();
  const [creating, setCreating] = useState(false);
  const chatsLoaded = useStore(session.stores.chats, (s) => s.loaded);
  const openExists = useStore(session.stores.chats, (s) =>
    chatId === null ? false : s.byId[chatId] !== undefined,
  );
  const shownChat = chatsLoaded && !openExists ? null : chatId;

  return (
    <div className="layout" data-view={shownChat === null ? 'list' : 'chat'}>
      <header className="topbar">
        <span className="brand">
          <span className="logo" aria-hidden="true">
            ✦
          </span>{' '}
          Kelisim
        </span>
        <ConnectionStatus />
        <span className="me">
          <Avatar name={session.me.name} small />
          <span className="me-name">{session.me.name}</span>
        </span>
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <aside className="sidebar" aria-label="Chats">
        <div className="sidebar-head">
          <h2>Chats</h2>
          <button
            type="button"
            className="primary small"
            data-testid="new-chat"
            onClick={() => setCreating(true)}
          >
            + New chat
          </button>
        </div>
        <MessageSearch onOpen={openChat}>
          <ChatList selected={shownChat} onOpen={openChat} />
        </MessageSearch>
      </aside>
      <main className="pane">
        {shownChat === null ? (
          <div className="empty-pane">
            <p>Pick a chat on the left, or start a new one.</p>
          </div>
        ) : (
          <Conversation key={shownChat} chatId={shownChat} onBack={() => openChat(null)} />
        )}
      </main>
      {creating && (
        <NewChatDialog
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            openChat(id);
          }}
        />
      )}
      <Notices />
    </div>
  );
}
