import type { MessageResource, ReactionChange } from '@kelisim/contracts';

/** A message the server has not confirmed yet: a text being sent or a file being uploaded. */
export interface PendingItem {
  tempId: string;
  kind: 'text' | 'file';
  content: string;
  status: 'sending' | 'uploading' | 'processing' | 'failed';
  /** 0..1 while uploading. */
  progress?: number;
  error?: string;
  file?: File;
  /** The upload's file id once the server accepted it (matched by `file_ready`/`file_failed`). */
  fileId?: number;
  /** The message a text answers. */
  replyToId?: number;
  createdAt: string;
}

/** One chat's messages as this client holds them: ascending by `seq`, each `seq` once. */
export interface Timeline {
  messages: MessageResource[];
  pending: PendingItem[];
  /** Whether older messages than the first held exist on the server. */
  hasOlder: boolean;
  loadingOlder: boolean;
}

export const emptyTimeline: Timeline = {
  messages: [],
  pending: [],
  hasOlder: false,
  loadingOlder: false,
};

/**
 * Adds or replaces messages by `seq` (a tombstone is never undone by an older copy) and drops the
 * pending items the server confirmed (same `temp_id` from this user, or the same uploaded file).
 */
export function mergeMessages(
  timeline: Timeline,
  incoming: readonly MessageResource[],
  me: number,
): Timeline {
  if (incoming.length === 0) return timeline;
  const bySeq = new Map(timeline.messages.map((m) => [m.seq, m]));
  let changed = false;
  for (const message of incoming) {
    const held = bySeq.get(message.seq);
    if (held && (held.deleted_at !== null || sameMessage(held, message))) continue;
    bySeq.set(message.seq, message);
    changed = true;
  }
  const confirmedTempIds = new Set(
    incoming.filter((m) => m.sender.id === me && m.temp_id !== null).map((m) => m.temp_id),
  );
  const confirmedFiles = new Set(incoming.map((m) => m.file?.id).filter((id) => id !== undefined));
  const pending = timeline.pending.filter(
    (p) =>
      !confirmedTempIds.has(p.tempId) && (p.fileId === undefined || !confirmedFiles.has(p.fileId)),
  );
  if (!changed && pending.length === timeline.pending.length) return timeline;
  const messages = changed ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : timeline.messages;
  return { ...timeline, messages, pending };
}

/** The highest `seq` such that every message from the first one held up to it is held. */
export function contiguousTop(timeline: Timeline): number {
  const { messages } = timeline;
  const first = messages[0];
  if (!first) return 0;
  let top = first.seq;
  for (const message of messages.slice(1)) {
    if (message.seq !== top + 1) break;
    top = message.seq;
  }
  return top;
}

/** Whether `seq` leaves a hole after what is held (so the client must `sync`). */
export function leavesGap(timeline: Timeline, seq: number): boolean {
  return timeline.messages.length > 0 && seq > contiguousTop(timeline) + 1;
}

export function markDeleted(timeline: Timeline, messageId: number, deletedAt: string): Timeline {
  const index = timeline.messages.findIndex((m) => m.id === messageId);
  const held = timeline.messages[index];
  if (!held || held.deleted_at !== null) return timeline;
  const messages = [...timeline.messages];
  messages[index] = { ...held, content: null, file: null, deleted_at: deletedAt };
  return { ...timeline, messages };
}

/** The server's copy of a message I acted on (edited, reacted to): it replaces the held one. */
export function replaceMessage(timeline: Timeline, message: MessageResource): Timeline {
  return changeMessage(timeline, message.id, () => message);
}

/**
 * A pushed edit: the new text and `edited_at`, keeping what this client knows better (its own
 * reactions, which pushed copies mark `me: false`).
 */
export function applyEdit(timeline: Timeline, message: MessageResource): Timeline {
  return changeMessage(timeline, message.id, (held) =>
    held.deleted_at !== null
      ? held
      : { ...held, content: message.content, edited_at: message.edited_at },
  );
}

/** A pushed pin or unpin. */
export function applyPin(
  timeline: Timeline,
  messageId: number,
  pin: Pick<MessageResource, 'pinned_at' | 'pinned_by'>,
): Timeline {
  return changeMessage(timeline, messageId, (held) => ({ ...held, ...pin }));
}

/** A pushed reaction change: the emoji's new count, and `me` when the change was mine. */
export function applyReaction(
  timeline: Timeline,
  change: ReactionChange,
  added: boolean,
  me: number,
): Timeline {
  return changeMessage(timeline, change.message_id, (held) => {
    const chip = held.reactions.find((r) => r.emoji === change.emoji);
    const mine = change.user_id === me ? added : (chip?.me ?? false);
    const next = { emoji: change.emoji, count: change.count, me: mine };
    const reactions = chip
      ? held.reactions.map((r) => (r.emoji === change.emoji ? next : r))
      : [...held.reactions, next];
    return { ...held, reactions: reactions.filter((r) => r.count > 0) };
  });
}

function changeMessage(
  timeline: Timeline,
  messageId: number,
  change: (held: MessageResource) => MessageResource,
): Timeline {
  const index = timeline.messages.findIndex((m) => m.id === messageId);
  const held = timeline.messages[index];
  if (!held) return timeline;
  const messages = [...timeline.messages];
  messages[index] = change(held);
  return { ...timeline, messages };
}

/** Marks the upload of `fileId` failed: the worker refused the file or could not process it. */
export function failUpload(timeline: Timeline, fileId: number, error: string): Timeline {
  const item = timeline.pending.find((p) => p.fileId === fileId);
  return item ? updatePending(timeline, item.tempId, { status: 'failed', error }) : timeline;
}

export function updatePending(
  timeline: Timeline,
  tempId: string,
  change: Partial<PendingItem>,
): Timeline {
  if (!timeline.pending.some((p) => p.tempId === tempId)) return timeline;
  return {
    ...timeline,
    pending: timeline.pending.map((p) => (p.tempId === tempId ? { ...p, ...change } : p)),
  };
}

function sameMessage(a: MessageResource, b: MessageResource): boolean {
  return (
    a.id === b.id &&
    a.deleted_at === b.deleted_at &&
    a.content === b.content &&
    a.edited_at === b.edited_at &&
    JSON.stringify(a.reactions) === JSON.stringify(b.reactions) &&
    a.file?.status === b.file?.status
  );
}
