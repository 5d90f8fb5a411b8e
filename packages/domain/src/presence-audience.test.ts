import { describe, expect, it } from 'vitest';
import { maySeePresence, presenceAudience } from './presence-audience.js';
import { useDomainHarness } from './test-context.js';
import { blockUser } from './use-cases/block-user.js';
import { createChat } from './use-cases/create-chat.js';

const h = useDomainHarness('presence-audience', 5, 'Audience');
const users = h.users;

describe('presence audience', () => {
  it('is everyone sharing a chat, minus blocks in both directions', async () => {
    const [me, friend, blockedByMe, blockerOfMe, stranger] = users.map((u) => u.id) as [
      number,
      number,
      number,
      number,
      number,
    ];
    await createChat(
      h.ctx,
      { userId: me },
      { type: 'group', name: 'All', participant_ids: [friend, blockedByMe, blockerOfMe] },
    );
    await createChat(h.ctx, { userId: friend }, { type: 'direct', participant_ids: [stranger] });
    await blockUser(h.ctx, { userId: me }, blockedByMe);
    await blockUser(h.ctx, { userId: blockerOfMe }, me);

    expect((await presenceAudience(h.database.db, me)).sort()).toEqual([friend]);
    expect((await presenceAudience(h.database.db, blockedByMe)).sort()).toEqual(
      [friend, blockerOfMe].sort(),
    );
    expect(await maySeePresence(h.database.db, me, friend)).toBe(true);
    expect(await maySeePresence(h.database.db, friend, me)).toBe(true);
    for (const other of [blockedByMe, blockerOfMe, stranger]) {
      expect(await maySeePresence(h.database.db, me, other)).toBe(false);
      expect(await maySeePresence(h.database.db, other, me)).toBe(false);
    }
  });
});
