import { createContext, useContext } from 'react';
import type { ChatSession } from './state/session.js';

export const SessionContext = createContext<ChatSession | null>(null);

export function useSession(): ChatSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in view');
  return session;
}
