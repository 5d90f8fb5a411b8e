const palette = ['#6366f1', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#ec4899'];

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts.at(-1)] : [parts[0]];
  return letters
    .map((part) => Array.from(part ?? '')[0] ?? '')
    .join('')
    .toUpperCase();
}

function colorOf(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) | 0;
  return palette[Math.abs(hash) % palette.length] ?? '#6366f1';
}

type Status = 'online' | 'offline' | undefined;

interface AvatarProps {
  name: string;
  /** Shows a presence dot in the corner. */
  presence?: boolean;
  status?: Status;
  small?: boolean;
}

/** Initials on a colour derived from the name. */
export function Avatar({ name, presence, status, small }: AvatarProps) {
  return (
    <span className={small ? 'avatar-wrap small' : 'avatar-wrap'}>
      <span className="avatar" style={{ background: colorOf(name) }} aria-hidden="true">
        {initials(name) || '?'}
      </span>
      {presence && <PresenceDot status={status} />}
    </span>
  );
}

/** A presence dot; `unknown` until the server has told us. */
export function PresenceDot({ status }: { status: Status }) {
  const shown = status ?? 'unknown';
  return (
    <span
      className={`presence presence-${shown}`}
      data-testid="presence"
      data-status={shown}
      role="img"
      aria-label={shown === 'online' ? 'online' : 'offline'}
    />
  );
}
