import { describe, expect, it } from 'vitest';
import { createGroup, useDomainHarness } from '../test-context.js';
import { getUnreadCounts } from './get-unread-counts.js';
import { listChats } from './list-chats.js';
import { messageCreatedWebhook } from './message-created-webhook.js';
import { sendMessage } from './send-message.js';
import { updateChatSettings } from './update-chat-settings.js';

const h = useDomainHarness('mute', 3, 'Muter');
const [ann, bob, outsider] = h.actors;
const inAnHour = () => new Date(Date.now() + 3_600_000);

describe('updateChatSettings (mute)', () => {
  it('keeps a muted chat counted but out of the total, until it is unmuted or the time passes', async () => {
    const loud = await createGroup(h.ctx, ann!, bob!);
    const quiet = await createGroup(h.ctx, ann!, bob!);
    await sendMessage(h.ctx, ann!, { chatId: loud, content: 'one' });
    for (const content of ['two', 'three']) {
      await sendMessage(h.ctx, ann!, { chatId: quiet, content, mentions: [bob!.userId] });
    }
    h.publisher.clear();
    h.jobs.clear();

    const until = inAnHour();
    const settings = await updateChatSettings(h.ctx, bob!, quiet, { mutedUntil: until });
    expect(settings).toEqual({
      chat_id: quiet,
      muted_until: new Date(Math.floor(until.getTime() / 1000) * 1000).toISOString(),
    });
    expect(h.publisher.events).toEqual([
      { audience: { userIds: [bob!.userId] }, event: 'chat_settings', payload: settings },
    ]);
    expect(h.jobs.unreadPushes).toEqual([{ userIds: [bob!.userId] }]);

    const counts = await getUnreadCounts(h.ctx, bob!);
    expect(counts.chats).toEqual(
      expect.arrayContaining([
        { chat_id: loud, unread: 1, mentions: 0, muted: false },
        { chat_id: quiet, unread: 2, mentions: 2, muted: true },
      ]),
    );
    expect(counts.total).toBe(1);
    expect(counts.mentions).toBe(2);
    const chats = await listChats(h.ctx, bob!, { limit: 50 });
    expect(chats.chats.find((c) => c.id === quiet)?.muted_until).toBe(settings.muted_until);

    const webhook = await messageCreatedWebhook(
      h.ctx,
      { onlineUsers: () => Promise.resolve(new Set([bob!.userId])) },
      (await sendMessage(h.ctx, ann!, { chatId: quiet, content: 'four' })).message.id,
    );
    expect(webhook).toMatchObject({ recipients_offline: [], recipients_muted: [bob!.userId] });

    await updateChatSettings(h.ctx, bob!, quiet, { mutedUntil: new Date(Date.now() + 3_000) });
    expect((await getUnreadCounts(h.ctx, bob!)).total).toBe(1);
    // An instant in the past (even before 1970, which a TIMESTAMP cannot hold) unmutes.
    const past = await updateChatSettings(h.ctx, bob!, quiet, { mutedUntil: new Date(-1e12) });
    expect(past.muted_until).toBeNull();
    expect((await getUnreadCounts(h.ctx, bob!)).total).toBe(4);
    await updateChatSettings(h.ctx, bob!, quiet, { mutedUntil: null });
    expect((await getUnreadCounts(h.ctx, bob!)).chats.every((c) => !c.muted)).toBe(true);
  });

  it('is only for participants', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    await expect(
      updateChatSettings(h.ctx, outsider!, chatId, { mutedUntil: inAnHour() }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
