/** Inline icons (no emoji font needed), drawn with the current text colour. */
const common = {
  width: 18,
  height: 18,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
  'aria-hidden': true,
} as const;

export function PaperclipIcon() {
  return (
    <svg {...common}>
      <path d="M21.4 11.1 12.2 20.3a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
    </svg>
  );
}

export function TrashIcon() {
  return (
    <svg {...common} width={14} height={14}>
      <path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
    </svg>
  );
}

export function DownloadIcon() {
  return (
    <svg {...common} width={15} height={15}>
      <path d="M12 3v12M7 10l5 5 5-5M5 21h14" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg {...common}>
      <path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z" />
      <path d="M14 3v6h6" />
    </svg>
  );
}

export function PencilIcon() {
  return (
    <svg {...common} width={14} height={14}>
      <path d="M4 20h4L19 9l-4-4L4 16zM14 6l4 4" />
    </svg>
  );
}

export function SmileIcon() {
  return (
    <svg {...common} width={14} height={14}>
      <circle cx="12" cy="12" r="9" />
      <path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01" />
    </svg>
  );
}

export function ReplyIcon() {
  return (
    <svg {...common} width={14} height={14}>
      <path d="M10 8 5 12l5 4M5 12h9a5 5 0 0 1 5 5v1" />
    </svg>
  );
}

export function PinIcon() {
  return (
    <svg {...common} width={14} height={14}>
      <path d="M9 4h6l-1 6 3 3H7l3-3zM12 13v7" />
    </svg>
  );
}
