import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';

const labels = {
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
} as const;

/** Always visible: a green pill when live, an amber banner while the socket reconnects. */
export function ConnectionStatus() {
  const session = useSession();
  const { state, firstConnect } = useStore(session.stores.connection, (s) => s);
  const label = state === 'reconnecting' && firstConnect ? 'Connecting…' : labels[state];
  return (
    <span
      className={`connection connection-${state}`}
      data-testid="connection"
      data-state={state}
      role="status"
      aria-live="polite"
    >
      <span className="connection-dot" aria-hidden="true" />
      {label}
      {state !== 'connected' && !firstConnect && (
        <span className="connection-note"> — messages will catch up when we are back</span>
      )}
    </span>
  );
}
