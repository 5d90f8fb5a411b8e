import type { DemoTokenResource, UserProfile } from '@kelisim/contracts';
import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../api/errors.js';
import { publicRequest } from '../api/http.js';
import { Avatar } from './avatar.js';

interface Props {
  onToken: (token: string) => Promise<void>;
  error: string | null;
}

/** Paste a JWT, or in demo mode (`GET /api/demo/users` answers) pick a seeded user. */
export function SignIn({ onToken, error }: Props) {
  const [token, setToken] = useState('');
  const [demoUsers, setDemoUsers] = useState<UserProfile[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [demoError, setDemoError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    publicRequest<UserProfile[]>('GET', '/api/demo/users')
      .then((users) => live && setDemoUsers(users))
      .catch(() => live && setDemoUsers(null));
    return () => {
      live = false;
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    await onToken(token.trim());
    setBusy(false);
  };

  const pick = async (user: UserProfile) => {
    setBusy(true);
    setDemoError(null);
    try {
      const answer = await publicRequest<DemoTokenResource>('POST', '/api/demo/token', {
        user_id: user.id,
      });
      await onToken(answer.token);
    } catch (failure) {
      setDemoError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const shown = error ?? demoError;
  return (
    <main className="sign-in" data-testid="sign-in">
      <div className="sign-in-card">
        <h1>
          <span className="logo" aria-hidden="true">
            ✦
          </span>{' '}
          Kelisim Chat
        </h1>
        {shown && (
          <p className="form-error" role="alert" data-testid="error">
            {shown}
          </p>
        )}
        {demoUsers && demoUsers.length > 0 && (
          <section aria-labelledby="demo-title">
            <h2 id="demo-title">Demo mode: sign in as</h2>
            <ul className="demo-users">
              {demoUsers.map((user) => (
                <li key={user.id}>
                  <button
                    type="button"
                    className="demo-user"
                    data-testid="demo-user"
                    data-user-id={user.id}
                    disabled={busy}
                    onClick={() => void pick(user)}
                  >
                    <Avatar name={user.name} />
                    <span className="demo-user-text">
                      <strong>{user.name}</strong>
                      <small>{user.email}</small>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <form onSubmit={(event) => void submit(event)}>
          <label htmlFor="token">
            {demoUsers && demoUsers.length > 0 ? 'Or paste a token' : 'Paste your access token'}
          </label>
          <textarea
            id="token"
            data-testid="token-input"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            placeholder="eyJhbGciOi…"
            rows={4}
            spellCheck={false}
            autoComplete="off"
          />
          <p className="hint">
            A JWT issued by your Laravel app (or <code>pnpm run token &lt;userId&gt;</code>). It is
            kept for this tab only.
          </p>
          <button type="submit" className="primary" disabled={busy || !token.trim()}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}
