import { useSession } from '../session-context.js';
import { useStore } from '../state/store.js';

/** Errors in plain words, dismissible, gone by themselves after a few seconds. */
export function Notices() {
  const session = useSession();
  const notices = useStore(session.stores.notices, (s) => s);
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((notice) => (
        <div key={notice.id} className="notice" role="alert" data-testid="error">
          <span>{notice.text}</span>
          <button
            type="button"
            className="ghost small"
            aria-label="Dismiss"
            onClick={() => session.dismissNotice(notice.id)}
          >
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
