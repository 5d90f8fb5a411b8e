import type { UserListItem } from '@kelisim/contracts';
import { useState, type FormEvent } from 'react';
import { errorText } from '../api/errors.js';
import { useSession } from '../session-context.js';
import { Dialog } from './dialog.js';
import { UserPicker } from './user-picker.js';

const nobody: ReadonlySet<number> = new Set();

export function NewChatDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (chatId: number) => void;
}) {
  const session = useSession();
  const [type, setType] = useState<'direct' | 'group'>('direct');
  const [name, setName] = useState('');
  const [people, setPeople] = useState<UserListItem[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const ready = people.length > 0 && (type === 'direct' || name.trim().length > 0);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const chat = await session.createChat({
        type,
        name: name.trim(),
        participantIds: people.map((p) => p.id),
      });
      onCreated(chat.id);
    } catch (failure) {
      setError(errorText(failure));
      setBusy(false);
    }
  };

  return (
    <Dialog title="New chat" onClose={onClose}>
      <form className="dialog-body" onSubmit={(event) => void submit(event)}>
        <fieldset className="segmented">
          <legend className="visually-hidden">Kind of chat</legend>
          <label>
            <input
              type="radio"
              name="chat-type"
              checked={type === 'direct'}
              onChange={() => {
                setType('direct');
                setPeople(people.slice(0, 1));
              }}
            />
            Direct
          </label>
          <label>
            <input
              type="radio"
              name="chat-type"
              checked={type === 'group'}
              onChange={() => setType('group')}
            />
            Group
          </label>
        </fieldset>
        {type === 'group' && (
          <label className="field">
            Group name
            <input
              value={name}
              maxLength={255}
              onChange={(event) => setName(event.target.value)}
              placeholder="Project team"
            />
          </label>
        )}
        <UserPicker
          exclude={nobody}
          selected={people}
          onChange={setPeople}
          single={type === 'direct'}
        />
        {error && (
          <p className="form-error" role="alert" data-testid="error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!ready || busy}>
            {type === 'direct' ? 'Start chat' : 'Create group'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
