/** Inline icons (no emoji font needed), drawn with the current text colour. */
const common = {
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
  'aria-hidden': true,
} as const;

/** An icon component: its outline as SVG path data, at `size` pixels. */
function icon(size: number, path: string) {
  return function Icon() {
    return (
      <svg {...common} width={size} height={size}>
        <path d={path} />
      </svg>
    );
  };
}

export const PaperclipIcon = icon(
  18,
  'M21.4 11.1 12.2 20.3a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5',
);
export const TrashIcon = icon(14, 'M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6');
export const DownloadIcon = icon(15, 'M12 3v12M7 10l5 5 5-5M5 21h14');
export const FileIcon = icon(
  18,
  'M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9zM14 3v6h6',
);
export const PencilIcon = icon(14, 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4');
export const SmileIcon = icon(
  14,
  'M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01',
);
export const ReplyIcon = icon(14, 'M10 8 5 12l5 4M5 12h9a5 5 0 0 1 5 5v1');
export const PinIcon = icon(14, 'M9 4h6l-1 6 3 3H7l3-3zM12 13v7');
