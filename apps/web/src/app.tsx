import type { UserProfile } from '@kelisim/contracts';
import { useCallback, useEffect, useState } from 'react';
import { ChatError, errorText } from './api/errors.js';
import { Http } from './api/http.js';
import { ChatLayout } from './components/chat-layout.js';
import { SignIn } from './components/sign-in.js';
import { SessionContext } from './session-context.js';
import { ChatSession } from './state/session.js';

/** sessionStorage, so two tabs (or two browser contexts) can be two different users. */
const tokenKey = 'kelisim.token';

export function App() {
  const [session, setSession] = useState<ChatSession | null>(null);
  const [checking, setChecking] = useState(() => sessionStorage.getItem(tokenKey) !== null);
  const [signInError, setSignInError] = useState<string | null>(null);

  const signOut = useCallback((reason?: string) => {
    sessionStorage.removeItem(tokenKey);
    setSession(null);
    setSignInError(reason ?? null);
  }, []);

  const signIn = useCallback(
    async (token: string, saved = false) => {
      setSignInError(null);
      try {
        const me = await new Http(token).get<UserProfile>('/api/me');
        sessionStorage.setItem(tokenKey, token);
        setSession(
          new ChatSession(
            token,
            me,
            (reason) => signOut(reason),
            (renewed) => sessionStorage.setItem(tokenKey, renewed),
          ),
        );
      } catch (error) {
        sessionStorage.removeItem(tokenKey);
        const refused = error instanceof ChatError && error.code === 'unauthenticated';
        setSignInError(
          refused && !saved
            ? 'That token was not accepted: it may have expired, or was not issued for this server.'
            : errorText(error),
        );
      } finally {
        setChecking(false);
      }
    },
    [signOut],
  );

  useEffect(() => {
    const saved = sessionStorage.getItem(tokenKey);
    if (saved) void signIn(saved, true);
  }, [signIn]);

  useEffect(() => {
    if (!session) return;
    void session.start();
    return () => session.stop();
  }, [session]);

  if (checking && !session) return <div className="splash">Signing in…</div>;
  if (!session) return <SignIn onToken={(token) => signIn(token)} error={signInError} />;
  return (
    <SessionContext.Provider value={session}>
      <ChatLayout onSignOut={() => signOut()} />
    </SessionContext.Provider>
  );
}
