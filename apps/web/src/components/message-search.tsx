import type { SearchHit } from '@kelisim/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { errorText } from '../api/errors.js';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import { chatTitle } from './format.js';

interface Props {
  onOpen: (chatId: number) => void;
  /** The chat list, shown while no search is active. */
  children: ReactNode;
}

/** A search box over my chats' messages; its hits replace the chat list until it is cleared. */
export function MessageSearch({ onOpen, children }: Props) {
  const session = useSession();
  const byId = useStore(session.stores.chats, (s) => s.byId);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const search = async (event: FormEvent) => {
    event.preventDefault();
    const q = query.trim();
    if (!q) return clear();
    try {
      setHits(await session.searchMessages(q));
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const clear = () => {
    setQuery('');
    setHits(null);
    setError(null);
  };

  return (
    <>
      <form className="message-search" role="search" onSubmit={(event) => void search(event)}>
        <input
          type="search"
          data-testid="search-input"
          aria-label="Search messages"
          placeholder="Search messages"
          value={query}
          onChange={(event) => (event.target.value ? setQuery(event.target.value) : clear())}
        />
      </form>
      {error && (
        <p className="muted pad" role="alert">
          {error}
        </p>
      )}
      {hits === null ? (
        children
      ) : (
        <ul className="chat-list search-results" data-testid="search-results">
          {hits.length === 0 && <li className="muted pad">No messages found.</li>}
          {hits.map(({ message, matches }) => {
            const chat = byId[message.chat_id];
            return (
              <li key={message.id}>
                <button
                  type="button"
                  className="chat-item"
                  data-testid="search-result"
                  data-chat-id={message.chat_id}
                  onClick={() => onOpen(message.chat_id)}
                >
                  <span className="chat-item-body">
                    <span className="chat-item-top">
                      <span className="chat-item-title">
                        {chat ? chatTitle(chat, session.me.id) : 'Chat'} · {message.sender.name}
                      </span>
                    </span>
                    <span className="chat-item-preview">
                      <Highlighted text={message.content ?? ''} matches={matches} />
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** `text` with the matches (offsets in characters) marked. */
function Highlighted({ text, matches }: Pick<SearchHit, 'matches'> & { text: string }) {
  const characters = [...text];
  const parts: ReactNode[] = [];
  let at = 0;
  for (const { start, length } of matches) {
    parts.push(characters.slice(at, start).join(''));
    parts.push(<mark key={start}>{characters.slice(start, start + length).join('')}</mark>);
    at = start + length;
  }
  parts.push(characters.slice(at).join(''));
  return <>{parts}</>;
}
