import type { ChatResource, MessageResource } from '@kelisim/contracts';
import { useLayoutEffect, useMemo, useRef } from 'react';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import type { PendingItem, Timeline } from '../state/timeline.js';
import { MessageItem, PendingMessage } from './message-item.js';

const loadOlderWithinPx = 120;
const stickToBottomWithinPx = 80;

interface Props {
  chat: ChatResource;
  timeline: Timeline;
}

/** Messages by seq, pending sends after them; scrolling to the top loads the page before. */
export function MessageList({ chat, timeline }: Props) {
  const session = useSession();
  const me = session.me.id;
  const participants = useStore(session.stores.participants, (s) => s[chat.id]);
  const scroller = useRef<HTMLDivElement>(null);
  const previous = useRef({ first: 0, last: 0, height: 0, pending: 0, atBottom: true });

  /** For each of my messages: who else has read it. */
  const readers = useMemo(() => {
    const others = (participants ?? []).filter((p) => p.user_id !== me);
    return (seq: number) => others.filter((p) => p.last_read_seq >= seq).map((p) => p.name);
  }, [participants, me]);

  const { messages, pending } = timeline;
  const first = messages[0]?.seq ?? 0;
  const last = messages.at(-1)?.seq ?? 0;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const before = previous.current;
    const grewAtTop = before.first !== 0 && first < before.first;
    if (grewAtTop) {
      element.scrollTop += element.scrollHeight - before.height;
    } else if (
      before.last === 0 ||
      ((last !== before.last || pending.length > before.pending) &&
        (before.atBottom || lastIsMine(messages, pending, me)))
    ) {
      element.scrollTop = element.scrollHeight;
    }
    previous.current = {
      first,
      last,
      height: element.scrollHeight,
      pending: pending.length,
      atBottom: isAtBottom(element),
    };
  }, [first, last, pending, messages, me]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    previous.current.atBottom = isAtBottom(element);
    previous.current.height = element.scrollHeight;
    if (element.scrollTop < loadOlderWithinPx && timeline.hasOlder) {
      void session.loadOlder(chat.id);
    }
  };

  return (
    <div
      className="message-scroller"
      ref={scroller}
      onScroll={onScroll}
      tabIndex={0}
      aria-label="Messages"
    >
      {timeline.hasOlder && (
        <div className="older">
          <button
            type="button"
            className="ghost small"
            disabled={timeline.loadingOlder}
            onClick={() => void session.loadOlder(chat.id)}
          >
            {timeline.loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        </div>
      )}
      <ol className="message-list" data-testid="message-list">
        {messages.map((message, index) => (
          <MessageItem
            key={message.seq}
            message={message}
            mine={message.sender.id === me}
            showSender={
              chat.type === 'group' && messages[index - 1]?.sender.id !== message.sender.id
            }
            readBy={message.sender.id === me ? readers(message.seq) : []}
            direct={chat.type === 'direct'}
            mayPin={chat.type === 'direct' || chat.my_role !== 'member'}
          />
        ))}
        {pending.map((item) => (
          <PendingMessage key={item.tempId} chatId={chat.id} item={item} />
        ))}
      </ol>
      {messages.length === 0 && pending.length === 0 && (
        <p className="muted center">No messages yet. Say hello!</p>
      )}
    </div>
  );
}

function isAtBottom(element: HTMLElement): boolean {
  return element.scrollHeight - element.scrollTop - element.clientHeight < stickToBottomWithinPx;
}

function lastIsMine(messages: MessageResource[], pending: PendingItem[], me: number): boolean {
  return pending.length > 0 || messages.at(-1)?.sender.id === me;
}
