import { describe, expect, it } from 'vitest';
import type { TestUser } from '@kelisim/testing';
import { useDomainHarness } from '../test-context.js';
import { createChat } from './create-chat.js';
import { relayTyping } from './relay-typing.js';

const h = useDomainHarness('typing', 3, 'Typist');
const users = h.users;
const actor = (u: TestUser) => ({ userId: u.id, user: { id: u.id, name: u.name } });

describe('relayTyping', () => {
  it('relays the first "is typing", drops repeats within the window, always relays "stopped"', async () => {
    const { chat } = await createChat(
      h.ctx,
      { userId: users[0]!.id },
      { type: 'group', participant_ids: [users[1]!.id] },
    );
    h.publisher.clear();
    expect(await relayTyping(h.ctx, actor(users[0]!), chat.id, true)).toBe(true);
    expect(await relayTyping(h.ctx, actor(users[0]!), chat.id, true)).toBe(false);
    expect(await relayTyping(h.ctx, actor(users[0]!), chat.id, false)).toBe(true);
    expect(h.publisher.of('typing').map((e) => [e.audience, e.payload])).toEqual([
      [{ chatIds: [chat.id] }, { chat_id: chat.id, user: actor(users[0]!).user, is_typing: true }],
      [{ chatIds: [chat.id] }, { chat_id: chat.id, user: actor(users[0]!).user, is_typing: false }],
    ]);
    expect(await h.database.db.message.count({ where: { chatId: chat.id } })).toBe(0);
  });

  it('answers 404 to a non-participant and relays nothing', async () => {
    const { chat } = await createChat(
      h.ctx,
      { userId: users[0]!.id },
      { type: 'group', participant_ids: [] },
    );
    h.publisher.clear();
    await expect(relayTyping(h.ctx, actor(users[2]!), chat.id, false)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(h.publisher.events).toHaveLength(0);
  });
});
