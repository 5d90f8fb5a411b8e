import type { ChatResource, MessageResource, UserSummary } from '@kelisim/contracts';

/** The other person of a direct chat. */
export function otherParticipant(chat: ChatResource, me: number): UserSummary | undefined {
  return chat.type === 'direct' ? chat.participants.find((p) => p.id !== me) : undefined;
}

export function chatTitle(chat: ChatResource, me: number): string {
  if (chat.type === 'group') return chat.name ?? 'Group';
  return otherParticipant(chat, me)?.name ?? 'Only you';
}

export function messagePreview(message: MessageResource | null, me: number): string {
  if (!message) return 'No messages yet';
  const who = message.sender.id === me ? 'You: ' : '';
  if (message.deleted_at) return `${who}Message deleted`;
  if (message.type === 'image')
    return `${who}Photo${message.content ? `: ${message.content}` : ''}`;
  if (message.type === 'file')
    return `${who}File: ${message.content || message.file?.name || 'attachment'}`;
  return `${who}${message.content ?? ''}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export function shortTime(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? timeFormat.format(date)
    : dayFormat.format(date);
}

export function clockTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** Whether I muted the chat (until a time still ahead). */
export function isMuted(chat: ChatResource): boolean {
  return chat.muted_until !== null && Date.parse(chat.muted_until) > Date.now();
}
