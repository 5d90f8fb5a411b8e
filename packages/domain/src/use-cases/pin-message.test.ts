import { describe, expect, it } from 'vitest';
import { PINS_PER_CHAT_MAX } from '@kelisim/contracts';
import { createGroup, useDomainHarness } from '../test-context.js';
import { createChat } from './create-chat.js';
import { deleteMessage } from './delete-message.js';
import { listPins } from './list-pins.js';
import { pinMessage } from './pin-message.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('pins', 4, 'Pinner');
const [owner, member, other, outsider] = h.actors;

const send = (chatId: number, content: string, by = member!) =>
  sendMessage(h.ctx, by, { chatId, content }).then((r) => r.message);

describe('pinMessage', () => {
  it('lets a group owner pin and unpin, newest pin first, and tells the chat once per change', async () => {
    const chatId = await createGroup(h.ctx, owner!, member!, other!);
    const first = await send(chatId, 'first');
    const second = await send(chatId, 'second');
    h.publisher.clear();

    const pinned = await pinMessage(h.ctx, owner!, first.id, true);
    expect(pinned).toMatchObject({ id: first.id, pinned_by: owner!.userId });
    expect(pinned.pinned_at).not.toBeNull();
    await pinMessage(h.ctx, owner!, first.id, true);
    await pinMessage(h.ctx, owner!, second.id, true);
    const pins = await listPins(h.ctx, member!, chatId);
    expect(pins.map((m) => m.id).sort()).toEqual([first.id, second.id].sort());

    const unpinned = await pinMessage(h.ctx, owner!, first.id, false);
    expect(unpinned).toMatchObject({ pinned_at: null, pinned_by: null });
    await pinMessage(h.ctx, owner!, first.id, false);
    expect((await listPins(h.ctx, member!, chatId)).map((m) => m.id)).toEqual([second.id]);

    expect(h.publisher.events.map((e) => [e.event, e.audience])).toEqual([
      ['message_pinned', { chatIds: [chatId] }],
      ['message_pinned', { chatIds: [chatId] }],
      ['message_unpinned', { chatIds: [chatId] }],
    ]);
    expect(h.publisher.of('message_unpinned')[0]!.payload).toEqual({
      chat_id: chatId,
      message_id: first.id,
    });
  });

  it('refuses group members, non-participants and deleted messages; either side of a direct chat may pin', async () => {
    const chatId = await createGroup(h.ctx, owner!, member!);
    const message = await send(chatId, 'pin me');
    await expect(pinMessage(h.ctx, member!, message.id, true)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(pinMessage(h.ctx, outsider!, message.id, true)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(listPins(h.ctx, outsider!, chatId)).rejects.toMatchObject({ code: 'not_found' });

    const { chat: direct } = await createChat(h.ctx, member!, {
      type: 'direct',
      participant_ids: [other!.userId],
    });
    const mine = await send(direct.id, 'a direct message', other);
    expect((await pinMessage(h.ctx, member!, mine.id, true)).pinned_by).toBe(member!.userId);

    await pinMessage(h.ctx, owner!, message.id, true);
    await deleteMessage(h.ctx, member!, message.id);
    expect(await listPins(h.ctx, owner!, chatId)).toEqual([]);
    await expect(pinMessage(h.ctx, owner!, message.id, true)).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it(`holds at most ${PINS_PER_CHAT_MAX} pins per chat, also under concurrent pins`, async () => {
    const chatId = await createGroup(h.ctx, owner!, member!);
    const messages = [];
    for (let i = 0; i < PINS_PER_CHAT_MAX + 5; i++) messages.push(await send(chatId, `m${i}`));
    const outcomes = await Promise.allSettled(
      messages.map((m) => pinMessage(h.ctx, owner!, m.id, true)),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'validation_failed' });
    expect(await listPins(h.ctx, member!, chatId)).toHaveLength(PINS_PER_CHAT_MAX);
  });
});
