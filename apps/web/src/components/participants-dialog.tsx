import type { ChatResource, ParticipantResource, UserListItem } from '@kelisim/contracts';
import { useMemo, useState } from 'react';
import { errorText } from '../api/errors.js';
import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';
import { UserPicker } from './user-picker.js';

/** Members with their roles; owners and admins add and remove people; anyone may leave a group. */
export function ParticipantsDialog({ chat, onClose }: { chat: ChatResource; onClose: () => void }) {
  const session = useSession();
  const me = session.me.id;
  const list = useStore(session.stores.participants, (s) => s[chat.id]);
  const presence = useStore(session.stores.presence, (s) => s);
  const [adding, setAdding] = useState<UserListItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const manager = chat.type === 'group' && (chat.my_role === 'owner' || chat.my_role === 'admin');
  const members = useMemo(() => new Set((list ?? []).map((p) => p.user_id)), [list]);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const canRemove = (p: ParticipantResource) =>
    p.user_id !== me &&
    manager &&
    p.role !== 'owner' &&
    (chat.my_role === 'owner' || p.role === 'member');

  return (
    <Dialog title={chat.type === 'group' ? 'Members' : 'Details'} onClose={onClose}>
      <div className="dialog-body">
        {error && (
          <p className="form-error" role="alert" data-testid="error">
            {error}
          </p>
        )}
        <ul className="members">
          {(list ?? []).map((p) => (
            <li key={p.user_id} className="member">
              <Avatar name={p.name} presence status={presence[p.user_id]} small />
              <span className="member-name">
                {p.name}
                {p.user_id === me && ' (you)'}
              </span>
              {p.role !== 'member' && <span className="role">{p.role}</span>}
              {canRemove(p) && (
                <button
                  type="button"
                  className="ghost small"
                  disabled={busy}
                  onClick={() => void run(() => session.removeParticipant(chat.id, p.user_id))}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
        {manager && (
          <form
            className="add-members"
            onSubmit={(event) => {
              event.preventDefault();
              void run(async () => {
                await session.addParticipants(
                  chat.id,
                  adding.map((u) => u.id),
                );
                setAdding([]);
              });
            }}
          >
            <h3>Add people</h3>
            <UserPicker exclude={members} selected={adding} onChange={setAdding} />
            <div className="dialog-actions">
              <button type="submit" className="primary" disabled={busy || adding.length === 0}>
                Add {adding.length > 0 ? adding.length : ''}
              </button>
            </div>
          </form>
        )}
        {chat.type === 'group' && (
          <div className="dialog-actions">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await session.removeParticipant(chat.id, me);
                  onClose();
                })
              }
            >
              Leave group
            </button>
          </div>
        )}
      </div>
    </Dialog>
  );
}
