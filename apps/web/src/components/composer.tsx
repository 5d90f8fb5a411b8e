import type { UserSummary } from '@kelisim/contracts';
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import { PaperclipIcon } from './icons.js';

/** Enter sends, Shift+Enter adds a line; the paper clip uploads a file (with the text as caption). */
export function Composer({ chatId }: { chatId: number }) {
  const session = useSession();
  const [text, setText] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const replyingTo = useStore(session.stores.replyingTo, (s) => s[chatId]);
  const chat = useStore(session.stores.chats, (s) => s.byId[chatId]);
  const [mentioned, setMentioned] = useState<UserSummary[]>([]);
  // "@partial" at the end of the text offers the chat's participants whose name contains it.
  const partial = /(?:^|\s)@([^\s@]*)$/.exec(text)?.[1];
  const options =
    partial === undefined
      ? []
      : (chat?.participants ?? [])
          .filter((user) => user.id !== session.me.id)
          .filter((user) => user.name.toLowerCase().includes(partial.toLowerCase()))
          .slice(0, 6);
  const mention = (user: UserSummary) => {
    setText(text.replace(/@[^\s@]*$/, `@${user.name} `));
    setMentioned([...mentioned.filter((u) => u.id !== user.id), user]);
  };

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (!content) return;
    setText('');
    setMentioned([]);
    const mentions = mentioned.filter((u) => content.includes(`@${u.name}`)).map((u) => u.id);
    void session.send(chatId, content, mentions);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape' && replyingTo) session.replyTo(chatId, undefined);
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (options[0]) mention(options[0]);
      else send();
    }
  };

  const onFiles = (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    void session.upload(chatId, file, text.trim());
    setText('');
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <>
      {replyingTo && (
        <div className="replying" data-testid="replying">
          <span>
            Replying to <strong>{replyingTo.sender.name}</strong>:{' '}
            <span className="muted">{replyingTo.content ?? 'a file'}</span>
          </span>
          <button
            type="button"
            className="ghost small"
            aria-label="Cancel the reply"
            onClick={() => session.replyTo(chatId, undefined)}
          >
            ✕
          </button>
        </div>
      )}
      <form className="composer" onSubmit={send}>
        {options.length > 0 && (
          <ul className="mention-options" role="listbox" aria-label="Mention someone">
            {options.map((user) => (
              <li key={user.id}>
                <button
                  type="button"
                  role="option"
                  aria-selected={false}
                  data-testid="mention-option"
                  data-user-id={user.id}
                  onClick={() => mention(user)}
                >
                  @{user.name}
                </button>
              </li>
            ))}
          </ul>
        )}
        <label className="attach" title="Attach a file">
          <input
            ref={fileInput}
            type="file"
            className="visually-hidden"
            data-testid="file-input"
            aria-label="Attach a file"
            onChange={(event) => onFiles(event.target.files)}
          />
          <PaperclipIcon />
        </label>
        <textarea
          data-testid="composer"
          aria-label="Message"
          placeholder="Write a message…"
          rows={1}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value.trim()) session.typing(chatId);
            else session.stopTyping(chatId);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="primary" data-testid="send" disabled={!text.trim()}>
          Send
        </button>
      </form>
    </>
  );
}
