import type { FileResource, MessageResource } from '@kelisim/contracts';
import { useEffect, useState, type ReactNode } from 'react';
import { formatBytes } from '@kelisim/contracts';
import { fileSources } from '../api/file-links.js';
import { useSession } from '../session-context.js';
import type { PendingItem } from '../state/timeline.js';
import { clockTime } from './format.js';
import {
  DownloadIcon,
  FileIcon,
  PencilIcon,
  PinIcon,
  ReplyIcon,
  SmileIcon,
  TrashIcon,
} from './icons.js';

interface Props {
  message: MessageResource;
  mine: boolean;
  showSender: boolean;
  /** Names of the others who have read it (my messages only). */
  readBy: string[];
  direct: boolean;
  /** A group's owner or admins, either side of a direct chat. */
  mayPin: boolean;
}

/** The reactions offered in one click. */
const reactionPalette = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

export function MessageItem({ message, mine, showSender, readBy, direct, mayPin }: Props) {
  const session = useSession();
  const deleted = message.deleted_at !== null;
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const editable = mine && !deleted && message.type === 'text';
  return (
    <li
      className={`message ${mine ? 'mine' : 'theirs'}${deleted ? ' deleted' : ''}`}
      data-testid="message"
      data-seq={message.seq}
      data-message-id={message.id}
      data-pending="false"
    >
      <div className="bubble">
        {showSender && !mine && <div className="sender">{message.sender.name}</div>}
        {deleted ? (
          <p className="content muted">Message deleted</p>
        ) : (
          <>
            {message.reply_to && <Quote quoted={message.reply_to} />}
            {message.file && <Attachment file={message.file} image={message.type === 'image'} />}
            {editing ? (
              <EditBox message={message} onDone={() => setEditing(false)} />
            ) : (
              message.content && <p className="content">{message.content}</p>
            )}
          </>
        )}
        {!deleted && (message.reactions.length > 0 || picking) && (
          <div className="reactions" data-testid="reactions">
            {message.reactions.map((reaction) => (
              <button
                key={reaction.emoji}
                type="button"
                className={`reaction${reaction.me ? ' me' : ''}`}
                data-testid="reaction"
                data-emoji={reaction.emoji}
                aria-pressed={reaction.me}
                aria-label={`${reaction.emoji} ${reaction.count}`}
                onClick={() => void session.react(message, reaction.emoji, !reaction.me)}
              >
                {reaction.emoji} {reaction.count}
              </button>
            ))}
            {picking &&
              reactionPalette
                .filter((emoji) => !message.reactions.some((r) => r.emoji === emoji))
                .map((emoji) => (
                  <button
                    key={emoji}
                    type="button"
                    className="reaction pick"
                    data-testid="reaction-pick"
                    data-emoji={emoji}
                    aria-label={`React with ${emoji}`}
                    onClick={() => {
                      setPicking(false);
                      void session.react(message, emoji, true);
                    }}
                  >
                    {emoji}
                  </button>
                ))}
          </div>
        )}
        <div className="meta">
          {message.pinned_at !== null && !deleted && (
            <span className="pinned" data-testid="pinned" title="Pinned">
              📌
            </span>
          )}
          <time dateTime={message.created_at}>{clockTime(message.created_at)}</time>
          {message.edited_at !== null && !deleted && (
            <span className="edited" data-testid="edited" title={`Edited ${message.edited_at}`}>
              (edited)
            </span>
          )}
          {mine &&
            !deleted &&
            (readBy.length > 0 ? (
              <span
                className="receipt read"
                data-testid="read-receipt"
                title={`Read by ${readBy.join(', ')}`}
              >
                ✓✓ {direct ? 'Read' : `Read by ${readBy.length}`}
              </span>
            ) : (
              <span className="receipt" title="Sent">
                ✓
              </span>
            ))}
          {!deleted && (
            <IconAction
              testId="reply"
              label="Reply"
              onClick={() => session.replyTo(message.chat_id, message)}
            >
              <ReplyIcon />
            </IconAction>
          )}
          {!deleted && (
            <IconAction
              testId="react"
              label="Add a reaction"
              expanded={picking}
              onClick={() => setPicking(!picking)}
            >
              <SmileIcon />
            </IconAction>
          )}
          {mayPin && !deleted && (
            <IconAction
              testId="pin"
              label={message.pinned_at !== null ? 'Unpin message' : 'Pin message'}
              pressed={message.pinned_at !== null}
              onClick={() => void session.pin(message, message.pinned_at === null)}
            >
              <PinIcon />
            </IconAction>
          )}
          {editable && !editing && (
            <IconAction testId="edit-message" label="Edit message" onClick={() => setEditing(true)}>
              <PencilIcon />
            </IconAction>
          )}
          {mine && !deleted && (
            <IconAction
              testId="delete-message"
              label="Delete message"
              className="delete"
              onClick={() => void session.deleteMessage(message)}
            >
              <TrashIcon />
            </IconAction>
          )}
        </div>
      </div>
    </li>
  );
}

/** A small icon button on a message, labelled for screen readers and as a tooltip. */
function IconAction(props: {
  testId: string;
  label: string;
  onClick: () => void;
  children: ReactNode;
  pressed?: boolean;
  expanded?: boolean;
  className?: string;
}) {
  return (
    <button
      type="button"
      className={`icon-button${props.className ? ` ${props.className}` : ''}`}
      data-testid={props.testId}
      aria-label={props.label}
      aria-pressed={props.pressed}
      aria-expanded={props.expanded}
      title={props.label}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/** The message a reply answers, as a quote: its sender and its first words. */
export function Quote({ quoted }: { quoted: NonNullable<MessageResource['reply_to']> }) {
  return (
    <blockquote className="quote" data-testid="quote" data-seq={quoted.seq}>
      <span className="quote-sender">{quoted.sender.name}</span>
      <span className="quote-text">
        {quoted.deleted ? 'Message deleted' : (quoted.content ?? 'A file')}
      </span>
    </blockquote>
  );
}

/** My message's text in place, editable: Enter saves, Shift+Enter a new line, Escape cancels. */
function EditBox({ message, onDone }: { message: MessageResource; onDone: () => void }) {
  const session = useSession();
  const [text, setText] = useState(message.content ?? '');
  const save = async () => {
    const content = text.trim();
    if (content === '' || content === message.content) return onDone();
    if (await session.editMessage(message, content)) onDone();
  };
  return (
    <textarea
      className="edit-box"
      data-testid="edit-box"
      aria-label="Edit message"
      autoFocus
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onDone();
        if (event.key === 'Enter' && !event.shiftKey) {
          event.preventDefault();
          void save();
        }
      }}
    />
  );
}

function Attachment({ file, image }: { file: FileResource; image: boolean }) {
  const session = useSession();
  return (
    <div className="attachment">
      {image && <Thumbnail alt={file.name} file={file} />}
      <a
        className="download"
        data-testid="download"
        href={fileSources(file).download.path}
        download={file.name}
        onClick={(event) => {
          event.preventDefault();
          void session.download(file);
        }}
      >
        {image ? <DownloadIcon /> : <FileIcon />} {file.name}
        {file.size !== null && <small> · {formatBytes(file.size)}</small>}
      </a>
    </div>
  );
}

/** Loaded straight from its signed link; without one, fetched with the token into a blob URL. */
function Thumbnail({ alt, file }: { alt: string; file: FileResource }) {
  const session = useSession();
  const { path, withToken } = fileSources(file).thumbnail;
  const [blob, setBlob] = useState<string | null>(null);
  useEffect(() => {
    if (!withToken) return;
    let live = true;
    session.blobUrl(path).then(
      (url) => live && setBlob(url),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [session, path, withToken]);
  const src = withToken ? blob : path;
  const ratio = file.width && file.height ? `${file.width} / ${file.height}` : '4 / 3';
  return src ? (
    <img
      className="thumbnail"
      data-testid="thumbnail"
      src={src}
      alt={alt}
      style={{ aspectRatio: ratio }}
    />
  ) : (
    <div
      className="thumbnail placeholder"
      style={{ aspectRatio: ratio }}
      aria-label="Loading image"
    />
  );
}

/** A send or upload the server has not confirmed: pending style, progress, or error with retry. */
export function PendingMessage({ chatId, item }: { chatId: number; item: PendingItem }) {
  const session = useSession();
  const failed = item.status === 'failed';
  return (
    <li
      className={`message mine pending${failed ? ' failed' : ''}`}
      data-testid="message"
      data-pending="true"
    >
      <div className="bubble">
        {item.kind === 'file' && (
          <div className="attachment">
            <span className="file-name">
              <FileIcon /> {item.file?.name ?? 'File'}
            </span>
            {item.status === 'uploading' && (
              <progress
                data-testid="upload-progress"
                value={item.progress ?? 0}
                max={1}
                aria-label={`Uploading ${Math.round((item.progress ?? 0) * 100)}%`}
              />
            )}
          </div>
        )}
        {item.content && <p className="content">{item.content}</p>}
        <div className="meta">
          {item.status === 'sending' && <span>Sending…</span>}
          {item.status === 'uploading' && (
            <span>Uploading {Math.round((item.progress ?? 0) * 100)}%</span>
          )}
          {item.status === 'processing' && <span>Processing…</span>}
        </div>
        {failed && (
          <div className="failure" role="alert">
            <span data-testid="error">{item.error ?? 'Not sent.'}</span>
            <span className="failure-actions">
              <button
                type="button"
                className="ghost small"
                onClick={() => void session.retry(chatId, item)}
              >
                Retry
              </button>
              <button
                type="button"
                className="ghost small"
                onClick={() => session.discard(chatId, item.tempId)}
              >
                Discard
              </button>
            </span>
          </div>
        )}
      </div>
    </li>
  );
}
