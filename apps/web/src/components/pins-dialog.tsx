import type { MessageResource } from '@kelisim/contracts';
import { useEffect, useState } from 'react';
import { errorText } from '../api/errors.js';
import { useSession } from '../session-context.js';
import { Dialog } from './dialog.js';
import { clockTime } from './format.js';

/** The chat's pinned messages, most recently pinned first, as the server has them now. */
export function PinsDialog({ chatId, onClose }: { chatId: number; onClose: () => void }) {
  const session = useSession();
  const [pins, setPins] = useState<MessageResource[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    session.listPins(chatId).then(
      (loaded) => live && setPins(loaded),
      (failure: unknown) => live && setError(errorText(failure)),
    );
    return () => {
      live = false;
    };
  }, [session, chatId]);
  return (
    <Dialog title="Pinned messages" onClose={onClose}>
      {error && <p role="alert">{error}</p>}
      {pins === null && !error && <p className="muted">Loading…</p>}
      {pins?.length === 0 && <p className="muted">Nothing is pinned in this chat.</p>}
      <ul className="pins" data-testid="pins-list">
        {pins?.map((message) => (
          <li key={message.id} data-testid="pinned-message" data-seq={message.seq}>
            <strong>{message.sender.name}</strong>{' '}
            <span>{message.content ?? message.file?.name}</span>{' '}
            <small className="muted">{clockTime(message.created_at)}</small>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
