import type { Event } from 'socket.io';
import type { CredentialWatch } from './credential-watch.js';
import type { EventGuard } from './event-guard.js';
import type { SocketListener } from './respond.js';
import type { ChatSocket } from './types.js';

/**
 * Every client event of a socket takes one way in: refused while the socket's token has expired
 * (all but `reauth`), then the event guard's allow-list and budgets, then the event's listener
 * from one table that every socket shares. A connection holds this one middleware and no
 * listeners of its own.
 */
export function createEventDispatch(deps: {
  listeners: Record<string, SocketListener>;
  guard: EventGuard;
  credentials: Pick<CredentialWatch, 'refusesExpired'>;
}) {
  const listeners = new Map(Object.entries(deps.listeners));
  const { guard, credentials } = deps;
  return {
    /** The socket's middleware; it calls the listener itself, so socket.io's `next` is unused. */
    middleware(socket: ChatSocket) {
      const state = guard.state();
      return (event: Event) => {
        if (credentials.refusesExpired(socket, event)) return;
        guard.check(socket, state, event, () => {
          // socket.io drops what arrives after a disconnect; so does this.
          if (socket.connected) listeners.get(event[0])?.apply(socket, event.slice(1));
        });
      };
    },
  };
}
