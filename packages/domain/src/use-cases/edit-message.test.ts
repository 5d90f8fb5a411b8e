import { describe, expect, it } from 'vitest';
import { appendMessage } from '../append-message.js';
import { createGroup, useDomainHarness } from '../test-context.js';
import { deleteMessage } from './delete-message.js';
import { editMessage } from './edit-message.js';
import { listMessages } from './list-messages.js';
import { removeParticipant } from './remove-participant.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('edit', 4, 'Editor');
const [ann, bob, cyd, dan] = h.actors;

async function sent(chatId: number, content = 'first draft') {
  const { message } = await sendMessage(h.ctx, ann!, { chatId, content });
  return message;
}

describe('editMessage', () => {
  it("replaces the sender's text, keeps its seq and tells the chat once", async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const original = await sent(chatId);
    h.publisher.clear();

    const edited = await editMessage(h.ctx, ann!, original.id, 'final text');
    expect(edited).toMatchObject({ id: original.id, seq: original.seq, content: 'final text' });
    expect(edited.edited_at).not.toBeNull();
    expect(h.publisher.of('message_updated')).toEqual([
      { audience: { chatIds: [chatId] }, event: 'message_updated', payload: { message: edited } },
    ]);

    // The same text again is a no-op: nothing published, nothing changed.
    const again = await editMessage(h.ctx, ann!, original.id, 'final text');
    expect(again).toEqual(edited);
    expect(h.publisher.of('message_updated')).toHaveLength(1);

    const page = await listMessages(h.ctx, bob!, chatId, { limit: 10 });
    expect(page.messages).toEqual([edited]);
  });

  it("refuses another participant's message, non-participants and removed participants", async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!, cyd!);
    const message = await sent(chatId);
    await expect(editMessage(h.ctx, bob!, message.id, 'mine now')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(editMessage(h.ctx, dan!, message.id, 'hello')).rejects.toMatchObject({
      code: 'not_found',
    });
    await removeParticipant(h.ctx, ann!, chatId, cyd!.userId);
    const cydsOwn = await sendMessage(h.ctx, bob!, { chatId, content: 'still here' });
    await expect(editMessage(h.ctx, cyd!, cydsOwn.message.id, 'x')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(editMessage(h.ctx, ann!, 999_999_999, 'x')).rejects.toMatchObject({
      code: 'not_found',
    });
    const stored = await h.database.db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(stored).toMatchObject({ content: 'first draft', editedAt: null });
  });

  it('refuses blank or over-long text, deleted messages and file messages', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const message = await sent(chatId);
    await expect(editMessage(h.ctx, ann!, message.id, '  \n ')).rejects.toMatchObject({
      code: 'validation_failed',
      details: { errors: { content: ['The message cannot be empty.'] } },
    });
    await expect(editMessage(h.ctx, ann!, message.id, 'x'.repeat(101))).rejects.toMatchObject({
      code: 'validation_failed',
    });

    await deleteMessage(h.ctx, ann!, message.id);
    await expect(editMessage(h.ctx, ann!, message.id, 'back')).rejects.toMatchObject({
      code: 'validation_failed',
      message: 'The message was deleted.',
    });

    const file = await appendMessage(h.database.db, {
      chatId,
      sender: { id: ann!.userId, name: 'Ann' },
      type: 'file',
      content: 'a caption',
      clientId: null,
    });
    await expect(
      editMessage(h.ctx, ann!, Number(file.row.id), 'new caption'),
    ).rejects.toMatchObject({ code: 'forbidden', message: 'Only text messages can be edited.' });
  });

  it('refuses edits after the edit window, and allows them within it', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    const windowed = { ...h.ctx, limits: { ...h.ctx.limits, editWindowSeconds: 60 } };
    const fresh = await sent(chatId, 'fresh');
    const old = await sent(chatId, 'old');
    await h.database.db.message.update({
      where: { id: old.id },
      data: { createdAt: new Date(Date.now() - 61_000) },
    });
    await expect(editMessage(windowed, ann!, old.id, 'too late')).rejects.toMatchObject({
      code: 'forbidden',
      message: 'Messages can only be edited within 60 seconds of sending.',
    });
    expect((await editMessage(windowed, ann!, fresh.id, 'in time')).content).toBe('in time');
    // 0 (the default): no window.
    expect((await editMessage(h.ctx, ann!, old.id, 'any time')).content).toBe('any time');
  });
});
