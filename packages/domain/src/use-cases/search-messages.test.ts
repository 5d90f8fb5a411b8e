import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '@kelisim/testing';
import { createGroup, useDomainHarness } from '../test-context.js';
import { deleteMessage } from './delete-message.js';
import { editMessage } from './edit-message.js';
import { removeParticipant } from './remove-participant.js';
import { matchOffsets, searchMessages } from './search-messages.js';
import { sendMessage } from './send-message.js';

const h = useDomainHarness('search', 3, 'Searcher');
const [ann, bob, cyd] = h.actors;

const search = (q: string, extra: { chatId?: number; before?: number; limit?: number } = {}) =>
  searchMessages(h.ctx, ann!, { q, limit: 20, ...extra });
const contents = async (q: string, extra = {}) =>
  (await search(q, extra)).hits.map((hit) => hit.message.content);

describe('searchMessages', () => {
  it('finds text without spaces, mixed scripts, Latin case-insensitively, emoji exactly', async () => {
    const chatId = await createGroup(h.ctx, ann!, bob!);
    for (const content of [
      '昨天张三说明天开会',
      'Hello世界, HELLO again',
      '今天🎉庆祝',
      'smile 😀',
      '100% sure',
      '1000 reasons',
      'snake_case',
    ]) {
      await sendMessage(h.ctx, bob!, { chatId, content });
    }
    expect(await contents('张三', { chatId })).toEqual(['昨天张三说明天开会']);
    expect(await contents('hello', { chatId })).toEqual(['Hello世界, HELLO again']);
    expect(await contents('世界', { chatId })).toEqual(['Hello世界, HELLO again']);
    expect(await contents('🎉', { chatId })).toEqual(['今天🎉庆祝']);
    expect(await contents('😂', { chatId })).toEqual([]);
    expect(await contents('100%', { chatId })).toEqual(['100% sure']);
    expect(await contents('e_c', { chatId })).toEqual(['snake_case']);
    expect(await contents('e%c', { chatId })).toEqual([]);

    const edited = await sendMessage(h.ctx, ann!, { chatId, content: 'draft wording' });
    await editMessage(h.ctx, ann!, edited.message.id, 'final wording');
    expect(await contents('draft', { chatId })).toEqual([]);
    expect(await contents('FINAL', { chatId })).toEqual(['final wording']);

    const [hit] = (await search('hello', { chatId })).hits;
    expect(hit!.matches).toEqual([
      { start: 0, length: 5 },
      { start: 9, length: 5 },
    ]);
  });

  it('searches only live messages of chats I am in, newest first, page by page', async () => {
    const mine = await createGroup(h.ctx, ann!, bob!);
    const left = await createGroup(h.ctx, bob!, ann!);
    const foreign = await createGroup(h.ctx, bob!, cyd!);
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push((await sendMessage(h.ctx, bob!, { chatId: mine, content: `needle ${i}` })).message);
    }
    await deleteMessage(h.ctx, bob!, sent[2]!.id);
    await sendMessage(h.ctx, bob!, { chatId: left, content: 'needle in a chat I left' });
    await removeParticipant(h.ctx, ann!, left, ann!.userId);
    await sendMessage(h.ctx, bob!, { chatId: foreign, content: 'needle elsewhere' });

    const first = await search('needle', { limit: 2 });
    expect(first.hits.map((hit) => hit.message.content)).toEqual(['needle 4', 'needle 3']);
    expect(first).toMatchObject({ hasMore: true, nextBefore: sent[3]!.id });
    const second = await search('needle', { limit: 2, before: first.nextBefore! });
    expect(second.hits.map((hit) => hit.message.content)).toEqual(['needle 1', 'needle 0']);
    expect(second).toMatchObject({ hasMore: false, nextBefore: null });

    await expect(search('needle', { chatId: foreign })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('is rate limited per user', async () => {
    const limited = { ...h.ctx, searchRateLimiter: createMemoryRateLimiter(2, 60) };
    const once = () => searchMessages(limited, cyd!, { q: 'x', limit: 5 });
    await once();
    await once();
    await expect(once()).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

describe('matchOffsets', () => {
  it('counts characters, not UTF-16 units, and ignores case', () => {
    expect(matchOffsets('😀 Ab ab 张三ab', 'AB')).toEqual([
      { start: 2, length: 2 },
      { start: 5, length: 2 },
      { start: 10, length: 2 },
    ]);
    expect(matchOffsets('café', 'cafe')).toEqual([]);
  });
});
