import { describe, expect, it } from 'vitest';
import type { MessageResource } from '@kelisim/contracts';
import {
  applyEdit,
  applyReaction,
  contiguousTop,
  emptyTimeline,
  failUpload,
  leavesGap,
  markDeleted,
  mergeMessages,
  type Timeline,
} from './timeline.js';

const me = 1;

function message(seq: number, changes: Partial<MessageResource> = {}): MessageResource {
  return {
    id: 100 + seq,
    chat_id: 7,
    seq,
    sender: { id: 2, name: 'Bea' },
    type: 'text',
    content: `m${seq}`,
    temp_id: null,
    reply_to_id: null,
    reply_to: null,
    reply_count: 0,
    mentions: [],
    file: null,
    created_at: '2026-01-01T00:00:00.000Z',
    deleted_at: null,
    edited_at: null,
    pinned_at: null,
    pinned_by: null,
    reactions: [],
    ...changes,
  };
}

const seqs = (timeline: Timeline) => timeline.messages.map((m) => m.seq);

describe('timeline', () => {
  it('orders by seq and holds each seq once, whatever order and repeats arrive in', () => {
    let timeline = mergeMessages(emptyTimeline, [message(3), message(1)], me);
    timeline = mergeMessages(timeline, [message(2), message(3), message(1)], me);

    expect(seqs(timeline)).toEqual([1, 2, 3]);
  });

  it('replaces the pending send with the acknowledged message of the same temp_id', () => {
    const pending: Timeline = {
      ...emptyTimeline,
      pending: [
        { tempId: 't-1', kind: 'text', content: 'hi', status: 'sending', createdAt: '' },
        { tempId: 't-2', kind: 'text', content: 'yo', status: 'sending', createdAt: '' },
      ],
    };
    const acked = message(4, { sender: { id: me, name: 'Me' }, temp_id: 't-1' });
    const fromOther = message(5, { temp_id: 't-2' });

    const timeline = mergeMessages(pending, [acked, fromOther], me);

    expect(seqs(timeline)).toEqual([4, 5]);
    expect(timeline.pending.map((p) => p.tempId)).toEqual(['t-2']);
  });

  it('finds the highest contiguous seq and notices gaps', () => {
    const timeline = mergeMessages(emptyTimeline, [message(4), message(5), message(7)], me);

    expect(contiguousTop(timeline)).toBe(5);
    expect(leavesGap(timeline, 6)).toBe(false);
    expect(leavesGap(timeline, 8)).toBe(true);
    expect(contiguousTop(emptyTimeline)).toBe(0);
    expect(leavesGap(emptyTimeline, 9)).toBe(false);
  });

  it('keeps a tombstone even when an older copy of the message arrives again', () => {
    let timeline = mergeMessages(emptyTimeline, [message(1), message(2)], me);
    timeline = markDeleted(timeline, 101, '2026-01-02T00:00:00.000Z');
    timeline = mergeMessages(timeline, [message(1)], me);

    expect(timeline.messages[0]).toMatchObject({ seq: 1, content: null });
    expect(timeline.messages[1]).toMatchObject({ seq: 2, content: 'm2' });
  });
});

describe('failUpload', () => {
  it('marks the pending upload of that file failed with the reason, and nothing else', () => {
    const timeline: Timeline = {
      ...emptyTimeline,
      pending: [
        { tempId: 'a', kind: 'file', content: '', status: 'processing', fileId: 5, createdAt: '' },
        { tempId: 'b', kind: 'file', content: '', status: 'processing', fileId: 6, createdAt: '' },
      ],
    };
    const failed = failUpload(timeline, 5, 'Executable files are not allowed.');
    expect(failed.pending.map((p) => [p.tempId, p.status, p.error])).toEqual([
      ['a', 'failed', 'Executable files are not allowed.'],
      ['b', 'processing', undefined],
    ]);
    expect(failUpload(timeline, 99, 'x')).toBe(timeline);
  });
});

describe('edits and reactions', () => {
  const held = (changes: Partial<MessageResource> = {}) =>
    mergeMessages(emptyTimeline, [message(1, changes)], me);
  const change = (user_id: number, emoji: string, count: number) => ({
    chat_id: 7,
    message_id: 101,
    emoji,
    user_id,
    count,
  });

  it('takes the text of a pushed edit and keeps my reactions', () => {
    const timeline = held({ reactions: [{ emoji: '👍', count: 2, me: true }] });
    const pushed = message(1, {
      content: 'edited',
      edited_at: '2026-01-01T00:01:00.000Z',
      reactions: [{ emoji: '👍', count: 2, me: false }],
    });
    expect(applyEdit(timeline, pushed).messages[0]).toMatchObject({
      content: 'edited',
      edited_at: '2026-01-01T00:01:00.000Z',
      reactions: [{ emoji: '👍', count: 2, me: true }],
    });
  });

  it('sets counts from pushed changes, marks mine, and drops an emoji at zero', () => {
    let timeline = held();
    timeline = applyReaction(timeline, change(2, '🎉', 1), true, me);
    timeline = applyReaction(timeline, change(me, '🎉', 2), true, me);
    timeline = applyReaction(timeline, change(2, '👍', 1), true, me);
    expect(timeline.messages[0]!.reactions).toEqual([
      { emoji: '🎉', count: 2, me: true },
      { emoji: '👍', count: 1, me: false },
    ]);
    timeline = applyReaction(timeline, change(2, '🎉', 1), false, me);
    expect(timeline.messages[0]!.reactions[0]).toEqual({ emoji: '🎉', count: 1, me: true });
    timeline = applyReaction(timeline, change(2, '👍', 0), false, me);
    expect(timeline.messages[0]!.reactions.map((r) => r.emoji)).toEqual(['🎉']);
    expect(applyReaction(timeline, { ...change(2, '🎉', 3), message_id: 999 }, true, me)).toBe(
      timeline,
    );
  });
});
