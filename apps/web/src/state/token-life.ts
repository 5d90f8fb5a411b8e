import type { Ack, DemoTokenResource } from '@kelisim/contracts';
import { publicRequest } from '../api/http.js';

/** Shown on the sign-in screen when the server ends a session (expired, revoked, user gone). */
export const sessionEndedText = 'Your session ended; sign in again.';

export interface Renewal {
  /** A fresh token for the signed-in user, if this page can get one. */
  freshToken: () => Promise<string | undefined>;
  /** Sends `reauth {token}` on the live connection. */
  reauth: (token: string) => Promise<Ack<{ expires_at: string | null }>>;
}

/**
 * After `auth_expired`: re-authenticate the live connection with a fresh token, or say the
 * session ended. Resolves to the token now in use, or to the sentence for the sign-in screen.
 */
export async function renewExpiredSession(
  renewal: Renewal,
): Promise<{ token: string } | { ended: string }> {
  const token = await renewal.freshToken().catch(() => undefined);
  if (!token) return { ended: sessionEndedText };
  const answer = await renewal.reauth(token).catch(() => undefined);
  return answer?.ok ? { token } : { ended: sessionEndedText };
}

/** In demo mode the server hands out tokens (POST /api/demo/token); elsewhere there are none. */
export async function demoToken(userId: number): Promise<string | undefined> {
  const answer = await publicRequest<DemoTokenResource>('POST', '/api/demo/token', {
    user_id: userId,
  }).catch(() => undefined);
  return answer?.token;
}
