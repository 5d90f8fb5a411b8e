import type { UserListItem } from '@kelisim/contracts';
import { useEffect, useId, useState } from 'react';
import { errorText } from '../api/errors.js';
import { useSession } from '../session-context.js';

interface Props {
  /** Ids not offered (already chosen elsewhere, already members, me). */
  exclude: ReadonlySet<number>;
  selected: UserListItem[];
  onChange: (selected: UserListItem[]) => void;
  single?: boolean;
}

/** Search people by name or email (`GET /api/users`) and choose one or several. */
export function UserPicker({ exclude, selected, onChange, single }: Props) {
  const session = useSession();
  const id = useId();
  const [search, setSearch] = useState('');
  const [results, setResults] = useState<UserListItem[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const timer = window.setTimeout(() => {
      session.searchUsers(search.trim()).then(
        (users) => {
          if (!live) return;
          setResults(users);
          setError(null);
        },
        (failure: unknown) => live && setError(errorText(failure)),
      );
    }, 200);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [session, search]);

  const chosen = new Set(selected.map((u) => u.id));
  const toggle = (user: UserListItem) => {
    if (chosen.has(user.id)) onChange(selected.filter((u) => u.id !== user.id));
    else onChange(single ? [user] : [...selected, user]);
  };
  const offered = results.filter((u) => u.id !== session.me.id && !exclude.has(u.id));

  return (
    <div className="user-picker">
      <label htmlFor={id}>Find people</label>
      <input
        id={id}
        type="search"
        value={search}
        placeholder="Name or email"
        autoComplete="off"
        onChange={(event) => setSearch(event.target.value)}
      />
      {error && (
        <p className="form-error" role="alert" data-testid="error">
          {error}
        </p>
      )}
      {selected.length > 0 && !single && (
        <ul className="chips" aria-label="Chosen">
          {selected.map((user) => (
            <li key={user.id} className="chip">
              {user.name}
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${user.name}`}
                onClick={() => toggle(user)}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <ul className="user-results" aria-label="People">
        {offered.map((user) => (
          <li key={user.id}>
            <label className="user-option">
              <input
                type={single ? 'radio' : 'checkbox'}
                name={`${id}-user`}
                checked={chosen.has(user.id)}
                onChange={() => toggle(user)}
                data-user-id={user.id}
              />
              {user.name}
            </label>
          </li>
        ))}
        {offered.length === 0 && <li className="muted">Nobody found.</li>}
      </ul>
    </div>
  );
}
