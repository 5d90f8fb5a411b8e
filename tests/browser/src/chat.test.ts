import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatResource, MessageResource, UnreadCounts, UserProfile } from '@kelisim/contracts';
import { createUser, tokenFor, type TestUser } from '@kelisim/testing';
import {
  api,
  eventually,
  launchChromium,
  openApp,
  screenshot,
  seqsOnScreen,
  startWebCluster,
  testId,
  waitConnected,
  type OpenedApp,
  type WebCluster,
} from './harness.js';

/** 1 MB, so a 1.5 MB upload shows the "too large" sentence. */
const maxFileSize = 1_048_576;

let cluster: WebCluster;
let browser: Browser;
const opened: OpenedApp[] = [];

beforeAll(async () => {
  cluster = await startWebCluster('browser', {
    MAX_FILE_SIZE: String(maxFileSize),
    // The history test posts 120 messages in a row.
    CHAT_SEND_RATE_LIMIT: '1000',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.allSettled(opened.map((app) => app.context.close()));
  await browser?.close();
  await cluster?.close();
});

async function open(
  nodeIndex: number,
  user?: TestUser,
  viewport?: { width: number; height: number },
) {
  const app = await openApp(browser, cluster.nodes[nodeIndex]!, {
    ...(user ? { token: tokenFor(user.id) } : {}),
    ...(viewport ? { viewport } : {}),
  });
  opened.push(app);
  return app;
}

async function directChat(owner: TestUser, other: TestUser): Promise<ChatResource> {
  return api<ChatResource>(cluster.nodes[0]!, tokenFor(owner.id), 'POST', '/api/chats', {
    type: 'direct',
    participant_ids: [other.id],
  });
}

async function serverMessages(user: TestUser, chatId: number): Promise<MessageResource[]> {
  return api<MessageResource[]>(
    cluster.nodes[0]!,
    tokenFor(user.id),
    'GET',
    `/api/chats/${chatId}/messages?limit=100`,
  );
}

const chatItem = (chatId: number) => testId('chat-item', { 'data-chat-id': chatId });

describe('the web client on a two-node cluster', () => {
  it('A sends, B sees it live with unread badges; B reads, A sees the receipt; typing shows and clears', async () => {
    const ada = await createUser(cluster.database.db, 'Ada Lovelace');
    const bea = await createUser(cluster.database.db, 'Bea Turing');
    const chat = await directChat(ada, bea);

    // A signs in on node 1 through the demo picker when the node offers it, else with a token.
    const a = await open(0);
    await a.page.locator(testId('sign-in')).waitFor();
    const demo = await fetch(`${cluster.nodes[0]!.url}/api/demo/users`);
    const demoUsers = demo.ok ? ((await demo.json()) as { data: UserProfile[] }).data : [];
    if (demoUsers.some((user) => user.id === ada.id)) {
      await a.page.locator(testId('demo-user', { 'data-user-id': ada.id })).waitFor();
      await screenshot(a.page, 'sign-in');
      await a.page.locator(testId('demo-user', { 'data-user-id': ada.id })).click();
    } else {
      await a.page.locator(testId('token-input')).fill(tokenFor(ada.id));
      await screenshot(a.page, 'sign-in');
      await a.page.getByRole('button', { name: 'Sign in' }).click();
    }
    const b = await open(1, bea);
    await waitConnected(a.page);
    await waitConnected(b.page);

    await a.page.locator(chatItem(chat.id)).click();
    const composerA = a.page.locator(testId('composer'));
    await composerA.fill('Hello Bea, this is node 1');
    await composerA.press('Enter');

    const badgeB = b.page.locator(`${chatItem(chat.id)} ${testId('unread-badge')}`);
    await eventually(() => badgeB.textContent(), '1');
    await expect(b.page.locator(chatItem(chat.id)).textContent()).resolves.toContain(
      'Hello Bea, this is node 1',
    );

    await composerA.fill('Are you on node 2?');
    await a.page.locator(testId('send')).click();
    await eventually(() => badgeB.textContent(), '2');
    await screenshot(b.page, 'chat-list');

    // B opens the chat: both messages, the badge goes, A sees them read.
    await b.page.locator(chatItem(chat.id)).click();
    await eventually(() => seqsOnScreen(b.page), [1, 2]);
    await eventually(() => badgeB.count(), 0);
    await eventually(() => a.page.locator(testId('read-receipt')).count(), 2);

    // Typing shows on A while B types, and clears when B empties the composer.
    const composerB = b.page.locator(testId('composer'));
    await composerB.fill('Yes, node 2 here');
    const typingA = a.page.locator(testId('typing'));
    await typingA.waitFor();
    await expect(typingA.textContent()).resolves.toContain('Bea Turing is typing');
    await screenshot(a.page, 'typing');
    await composerB.fill('');
    await typingA.waitFor({ state: 'detached' });

    // B answers; A, who has the chat open, sees it live and keeps no unread badge.
    await composerB.fill('Yes, node 2 here.\nAll good!');
    await composerB.press('Enter');
    await eventually(() => seqsOnScreen(a.page), [1, 2, 3]);
    await eventually(() => seqsOnScreen(b.page), [1, 2, 3]);
    await expect(
      a.page.locator(testId('message', { 'data-seq': 3 })).textContent(),
    ).resolves.toContain('All good!');
    await eventually(
      () => a.page.locator(`${chatItem(chat.id)} ${testId('unread-badge')}`).count(),
      0,
    );
    await eventually(() => b.page.locator(testId('read-receipt')).count(), 1);

    // Presence: each sees the other online.
    await a.page
      .locator(`.conversation-head ${testId('presence', { 'data-status': 'online' })}`)
      .waitFor();
    await b.page
      .locator(`.conversation-head ${testId('presence', { 'data-status': 'online' })}`)
      .waitFor();
    await screenshot(a.page, 'conversation');

    // A deletes their first message: B sees the tombstone in place, the seq stays.
    await a.page
      .locator(`${testId('message', { 'data-seq': 1 })} ${testId('delete-message')}`)
      .click();
    await eventually(
      () => b.page.locator(testId('message', { 'data-seq': 1 })).textContent(),
      expect.stringContaining('Message deleted'),
    );
    await eventually(() => seqsOnScreen(b.page), [1, 2, 3]);
  });

  it('an image uploaded in one context appears as a thumbnail in the other, and downloads', async () => {
    const cyd = await createUser(cluster.database.db, 'Cyd Hopper');
    const dan = await createUser(cluster.database.db, 'Dan Ritchie');
    const chat = await directChat(cyd, dan);
    await api(cluster.nodes[0]!, tokenFor(dan.id), 'POST', `/api/chats/${chat.id}/messages`, {
      content: 'Send me the picture from the trip?',
    });

    const a = await open(0, cyd);
    const b = await open(1, dan);
    for (const app of [a, b]) {
      await waitConnected(app.page);
      await app.page.locator(chatItem(chat.id)).click();
      await eventually(() => seqsOnScreen(app.page), [1]);
    }

    const image = await samplePng();
    // A slow uplink (about 8 KB/s) so the progress bar is there to be seen.
    const network = await a.context.newCDPSession(a.page);
    await network.send('Network.enable');
    await network.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 8 * 1024,
    });
    await a.page.locator(testId('composer')).fill('The view from the top');
    await a.page.locator(testId('file-input')).setInputFiles({
      name: 'summit.png',
      mimeType: 'image/png',
      buffer: image,
    });
    const progress = a.page.locator(testId('upload-progress'));
    await expect
      .poll(() => progress.evaluate((bar: HTMLProgressElement) => bar.value), { timeout: 30_000 })
      .toBeGreaterThan(0.2);
    await screenshot(a.page, 'upload-progress');
    await network.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    const thumbnailB = b.page.locator(testId('thumbnail'));
    await thumbnailB.waitFor({ timeout: 60_000 });
    await eventually(
      () => thumbnailB.evaluate((img: HTMLImageElement) => img.naturalWidth > 0),
      true,
    );
    await a.page.locator(testId('thumbnail')).waitFor({ timeout: 60_000 });
    await eventually(() => a.page.locator(`${testId('message')}[data-pending="true"]`).count(), 0);
    await expect(
      b.page.locator(testId('message', { 'data-seq': 2 })).textContent(),
    ).resolves.toContain('The view from the top');

    const [download] = await Promise.all([
      b.page.waitForEvent('download'),
      b.page.locator(testId('download')).click(),
    ]);
    expect(download.suggestedFilename()).toBe('summit.png');
    const saved = await readFile(await download.path());
    expect(saved.equals(image)).toBe(true);
    await screenshot(b.page, 'conversation-image');

    // Too large: the server's 413 in plain words on the failed upload, with retry.
    await a.page.locator(testId('file-input')).setInputFiles({
      name: 'huge.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(maxFileSize + 512 * 1024, 7),
    });
    const failure = a.page.locator(`${testId('message')}[data-pending="true"] ${testId('error')}`);
    await failure.waitFor();
    await expect(failure.textContent()).resolves.toBe('That file is too large (max 1 MB).');
    await a.page.getByRole('button', { name: 'Discard' }).click();
    await failure.waitFor({ state: 'detached' });

    // Accepted by the API, refused by the worker: the uploader is told why, nobody gets a message.
    const elf = Buffer.alloc(256);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(elf);
    elf.writeUInt16LE(2, 16); // e_type: executable
    elf.writeUInt16LE(0x3e, 18); // e_machine: x86-64
    await a.page.locator(testId('file-input')).setInputFiles({
      name: 'invoice.pdf',
      mimeType: 'application/pdf',
      buffer: elf,
    });
    await failure.waitFor();
    await expect(failure.textContent()).resolves.toBe('Executable files are not allowed.');
    const stored = await cluster.database.db.chat.findUniqueOrThrow({ where: { id: chat.id } });
    expect(stored.lastSeq).toBe(2n);
    await expect(seqsOnScreen(b.page)).resolves.toEqual([1, 2]);
  });

  it('after its node is killed and restarted, a client shows reconnecting, then holds exactly the server’s messages', async () => {
    const eve = await createUser(cluster.database.db, 'Eve Noether');
    const fay = await createUser(cluster.database.db, 'Fay Hamilton');
    const chat = await directChat(eve, fay);
    for (const content of ['Morning!', 'Standup in 5', 'Coffee first']) {
      await api(cluster.nodes[0]!, tokenFor(eve.id), 'POST', `/api/chats/${chat.id}/messages`, {
        content,
      });
    }

    const a = await open(0, eve);
    const b = await open(1, fay);
    for (const app of [a, b]) {
      await waitConnected(app.page);
      await app.page.locator(chatItem(chat.id)).click();
      await eventually(() => seqsOnScreen(app.page), [1, 2, 3]);
    }
    const badgeB = b.page.locator(`${chatItem(chat.id)} ${testId('unread-badge')}`);
    await eventually(() => badgeB.count(), 0);

    await cluster.kill(1);
    await b.page.locator(testId('connection', { 'data-state': 'reconnecting' })).waitFor();

    // Meanwhile A (node 1) goes on; B's own send fails in plain words and waits for a retry.
    const composerA = a.page.locator(testId('composer'));
    for (const content of ['Anyone there?', 'Node 2 seems down', 'I will keep writing']) {
      await composerA.fill(content);
      await composerA.press('Enter');
    }
    await eventually(() => seqsOnScreen(a.page), [1, 2, 3, 4, 5, 6]);
    const composerB = b.page.locator(testId('composer'));
    await composerB.fill('Sent while offline');
    await composerB.press('Enter');
    const failedB = b.page.locator(`${testId('message')}[data-pending="true"] ${testId('error')}`);
    await failedB.waitFor();
    await expect(failedB.textContent()).resolves.toContain("Can't reach the server");
    await screenshot(b.page, 'reconnecting');

    await cluster.restart(1);
    await waitConnected(b.page);
    await b.page.getByRole('button', { name: 'Retry' }).click();

    const server = await eventuallyMessages(fay, chat.id, 7);
    const expected = server.map((m) => m.seq);
    expect(expected).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await eventually(() => seqsOnScreen(b.page), expected);
    await eventually(() => seqsOnScreen(a.page), expected);
    const idsOnScreen = await b.page
      .locator(`${testId('message-list')} ${testId('message')}[data-seq]`)
      .evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-message-id'))));
    expect(idsOnScreen).toEqual(server.map((m) => m.id));
    await expect(b.page.locator(`${testId('message')}[data-pending="true"]`).count()).resolves.toBe(
      0,
    );
    await eventually(() => badgeB.count(), 0);
  });

  it('creates a group from the dialog, which others see live; the owner removes a member', async () => {
    const ivy = await createUser(cluster.database.db, 'Ivy Goldberg');
    const jon = await createUser(cluster.database.db, 'Jon Postel');
    const kim = await createUser(cluster.database.db, 'Kim Wilkes');
    const a = await open(0, ivy);
    const b = await open(1, jon);
    const c = await open(1, kim);
    for (const app of [a, b, c]) await waitConnected(app.page);

    // Escape closes the dialog; a second try creates the group.
    await a.page.locator(testId('new-chat')).click();
    const dialog = a.page.getByRole('dialog', { name: 'New chat' });
    await dialog.waitFor();
    await a.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await a.page.locator(testId('new-chat')).click();
    await dialog.getByRole('radio', { name: 'Group' }).check();
    await dialog.getByLabel('Group name').fill('Protocol designers');
    for (const user of [jon, kim]) {
      await dialog.getByLabel('Find people').fill(user.name.split(' ')[1]!);
      await dialog.locator(`input[data-user-id="${user.id}"]`).check();
    }
    await screenshot(a.page, 'new-chat');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await dialog.waitFor({ state: 'detached' });

    const groupItem = (page: OpenedApp['page']) =>
      page.locator(testId('chat-item')).filter({ hasText: 'Protocol designers' });
    await groupItem(b.page).waitFor();
    await groupItem(c.page).waitFor();
    const composer = a.page.locator(testId('composer'));
    await composer.fill('Welcome, both of you');
    await composer.press('Enter');
    await eventually(() => groupItem(b.page).locator(testId('unread-badge')).textContent(), '1');

    // The owner removes Kim: Kim's list loses the chat, the members list shows two.
    await a.page.locator(testId('participants')).click();
    const members = a.page.getByRole('dialog', { name: 'Members' });
    await eventually(() => members.locator('.member').count(), 3);
    await members
      .locator('.member')
      .filter({ hasText: 'Kim Wilkes' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await eventually(() => members.locator('.member').count(), 2);
    await groupItem(c.page).waitFor({ state: 'detached' });
    await a.page.keyboard.press('Escape');
    await members.waitFor({ state: 'detached' });

    await groupItem(b.page).click();
    await eventually(() => seqsOnScreen(b.page), [1]);
    await eventually(() => groupItem(b.page).locator(testId('unread-badge')).count(), 0);
  });

  it('scrolls up through a long history page by page, by seq, without gaps', async () => {
    const lea = await createUser(cluster.database.db, 'Lea Meitner');
    const max = await createUser(cluster.database.db, 'Max Planck');
    const chat = await directChat(lea, max);
    for (let i = 1; i <= 120; i++) {
      const sender = i % 3 === 0 ? max : lea;
      await api(cluster.nodes[0]!, tokenFor(sender.id), 'POST', `/api/chats/${chat.id}/messages`, {
        content: `History line ${i}`,
      });
    }
    const all = Array.from({ length: 120 }, (_, i) => i + 1);

    const b = await open(1, max);
    await waitConnected(b.page);
    await b.page.locator(chatItem(chat.id)).click();
    await eventually(() => seqsOnScreen(b.page), all.slice(70));
    const scroller = b.page.locator('.message-scroller');
    await scroller.evaluate((element) => (element.scrollTop = 0));
    await eventually(() => seqsOnScreen(b.page), all.slice(20));
    await scroller.evaluate((element) => (element.scrollTop = 0));
    await eventually(() => seqsOnScreen(b.page), all);
    await b.page
      .getByRole('button', { name: 'Load older messages' })
      .waitFor({ state: 'detached' });
  });

  it('signs in with a pasted token, says plainly when a token is refused, and signs out', async () => {
    const nia = await createUser(cluster.database.db, 'Nia Hypatia');
    const app = await open(1);
    const tokenInput = app.page.locator(testId('token-input'));
    await tokenInput.fill('not-a-token');
    await app.page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(
      () => app.page.locator(`${testId('sign-in')} ${testId('error')}`).textContent(),
      'That token was not accepted: it may have expired, or was not issued for this server.',
    );

    await tokenInput.fill(tokenFor(nia.id));
    await app.page.getByRole('button', { name: 'Sign in' }).click();
    await waitConnected(app.page);
    await expect(app.page.locator('.topbar').textContent()).resolves.toContain('Nia Hypatia');

    await app.page.getByRole('button', { name: 'Sign out' }).click();
    await app.page.locator(testId('sign-in')).waitFor();
    await app.page.reload();
    await app.page.locator(testId('sign-in')).waitFor();
  });

  it('is usable on a phone-sized screen: the list and the conversation are two screens', async () => {
    const gus = await createUser(cluster.database.db, 'Gus Lamarr');
    const hal = await createUser(cluster.database.db, 'Hal Shannon');
    const chat = await directChat(gus, hal);
    await api(cluster.nodes[0]!, tokenFor(gus.id), 'POST', `/api/chats/${chat.id}/messages`, {
      content: 'Checking the phone layout',
    });

    const phone = await open(0, hal, { width: 375, height: 667 });
    await waitConnected(phone.page);
    await phone.page.locator(chatItem(chat.id)).waitFor();
    await screenshot(phone.page, 'phone-chat-list');

    await phone.page.locator(chatItem(chat.id)).click();
    await eventually(() => seqsOnScreen(phone.page), [1]);
    await eventually(() => phone.page.locator(testId('chat-list')).isVisible(), false);
    const composer = phone.page.locator(testId('composer'));
    await composer.fill('Looks fine on a phone');
    await composer.press('Enter');
    await eventually(() => seqsOnScreen(phone.page), [1, 2]);
    await screenshot(phone.page, 'phone-conversation');

    await phone.page.getByRole('button', { name: 'Back to chats' }).click();
    await phone.page.locator(testId('chat-list')).waitFor();
  });

  it('edits, reacts, replies, pins, searches and mutes: the other side sees each change live', async () => {
    const ada = await createUser(cluster.database.db, 'Ada Editor');
    const bea = await createUser(cluster.database.db, 'Bea Reactor');
    const chat = await directChat(ada, bea);
    const a = await open(0, ada);
    const b = await open(1, bea);
    await waitConnected(a.page);
    await waitConnected(b.page);
    await a.page.locator(chatItem(chat.id)).click();
    await b.page.locator(chatItem(chat.id)).click();
    const composerA = a.page.locator(testId('composer'));
    await composerA.fill('first draft');
    await composerA.press('Enter');
    const onA = a.page.locator(testId('message', { 'data-seq': 1 }));
    const onB = b.page.locator(testId('message', { 'data-seq': 1 }));
    await onB.waitFor();

    // Ada edits in place; Bea sees the new text marked as edited, the seq unchanged.
    await onA.hover();
    await onA.locator(testId('edit-message')).click();
    const box = onA.locator(testId('edit-box'));
    await box.fill('final text');
    await box.press('Enter');
    await eventually(() => onB.locator('.content').textContent(), 'final text');
    await onB.locator(testId('edited')).waitFor();
    await eventually(
      () => b.page.locator(chatItem(chat.id)).textContent(),
      expect.stringContaining('final text'),
    );
    await eventually(() => seqsOnScreen(b.page), [1]);

    // Bea reacts; both see one 👍, Bea's marked as hers.
    const thumbs = (message: typeof onA) =>
      message.locator(testId('reaction', { 'data-emoji': '👍' }));
    await onB.hover();
    await onB.locator(testId('react')).click();
    await onB.locator(testId('reaction-pick', { 'data-emoji': '👍' })).click();
    await eventually(() => thumbs(onA).textContent(), '👍 1');
    await eventually(() => thumbs(onB).getAttribute('aria-pressed'), 'true');
    await expect(thumbs(onA).getAttribute('aria-pressed')).resolves.toBe('false');

    // Ada joins in, then Bea takes hers back.
    await thumbs(onA).click();
    await eventually(() => thumbs(onB).textContent(), '👍 2');
    await eventually(() => thumbs(onA).getAttribute('aria-pressed'), 'true');
    await screenshot(b.page, 'reactions');
    await thumbs(onB).click();
    await eventually(() => thumbs(onA).textContent(), '👍 1');
    await eventually(() => thumbs(onB).getAttribute('aria-pressed'), 'false');

    // Bea replies with a quote of it.
    await onB.hover();
    await onB.locator(testId('reply')).click();
    await expect(b.page.locator(testId('replying')).textContent()).resolves.toContain('final text');
    const composerB = b.page.locator(testId('composer'));
    await composerB.fill('an answer');
    await composerB.press('Enter');
    const replyOnA = a.page.locator(testId('message', { 'data-seq': 2 }));
    await eventually(() => replyOnA.locator(testId('quote')).textContent(), 'Ada Editorfinal text');
    await expect(b.page.locator(testId('replying')).count()).resolves.toBe(0);

    const [stored, reply] = await serverMessages(bea, chat.id);
    expect(stored).toMatchObject({
      content: 'final text',
      reply_count: 1,
      reactions: [{ emoji: '👍', count: 1, me: false }],
    });
    expect(reply).toMatchObject({ content: 'an answer', reply_to: { id: stored!.id } });

    // Ada finds Bea's Chinese message by two characters, highlighted, and clears the search.
    await composerB.fill('昨天张三说明天开会');
    await composerB.press('Enter');
    await eventually(() => seqsOnScreen(a.page), [1, 2, 3]);
    const search = a.page.locator(testId('search-input'));
    await search.fill('张三');
    await search.press('Enter');
    const hit = a.page.locator(testId('search-result', { 'data-chat-id': chat.id }));
    await eventually(() => hit.locator('mark').textContent(), '张三');
    await expect(hit.textContent()).resolves.toContain('昨天张三说明天开会');
    await screenshot(a.page, 'search');
    await search.fill('');
    await a.page.locator(chatItem(chat.id)).waitFor();

    // In a direct chat either side pins: Bea pins Ada's message, both see the pin.
    await onB.hover();
    await onB.locator(testId('pin')).click();
    await onA.locator(testId('pinned')).waitFor();
    await onB.locator(testId('pinned')).waitFor();
    await a.page.locator(testId('pins')).click();
    await eventually(
      () => a.page.locator(testId('pinned-message', { 'data-seq': 1 })).textContent(),
      expect.stringContaining('final text'),
    );
    await a.page.getByRole('button', { name: 'Close' }).click();

    // Ada mutes the chat: marked in her list, left out of her unread total; then unmutes.
    await a.page.locator(testId('mute')).click();
    await a.page.locator(`${chatItem(chat.id)} ${testId('muted')}`).waitFor();
    const counts = await api<UnreadCounts>(
      cluster.nodes[1]!,
      tokenFor(ada.id),
      'GET',
      '/api/unread-count',
    );
    expect(counts.chats).toContainEqual(expect.objectContaining({ chat_id: chat.id, muted: true }));
    await a.page.locator(testId('mute')).click();
    await eventually(() => a.page.locator(`${chatItem(chat.id)} ${testId('muted')}`).count(), 0);
  });

  it('mentions a member picked from the @ list; only they get the mention badge', async () => {
    const [ann, ben, cyd] = await Promise.all(
      ['Ann Mention', 'Ben Mention', 'Cyd Mention'].map((name) =>
        createUser(cluster.database.db, name),
      ),
    );
    const group = await api<ChatResource>(
      cluster.nodes[0]!,
      tokenFor(ann!.id),
      'POST',
      '/api/chats',
      {
        type: 'group',
        name: 'Mentions',
        participant_ids: [ben!.id, cyd!.id],
      },
    );
    const a = await open(0, ann);
    const b = await open(1, ben);
    const c = await open(0, cyd);
    for (const app of [a, b, c]) await waitConnected(app.page);
    await a.page.locator(chatItem(group.id)).click();
    const composer = a.page.locator(testId('composer'));
    await composer.fill('Please look, @Be');
    await a.page.locator(testId('mention-option', { 'data-user-id': ben!.id })).click();
    await expect(composer.inputValue()).resolves.toBe('Please look, @Ben Mention ');
    await composer.press('End');
    await composer.pressSequentially('now');
    await composer.press('Enter');

    const badge = (app: OpenedApp) =>
      app.page.locator(`${chatItem(group.id)} ${testId('mention-badge')}`);
    await badge(b).waitFor();
    await eventually(
      () => c.page.locator(`${chatItem(group.id)} ${testId('unread-badge')}`).textContent(),
      '1',
    );
    await expect(badge(c).count()).resolves.toBe(0);
    const [sent] = await serverMessages(ben!, group.id);
    expect(sent).toMatchObject({ content: 'Please look, @Ben Mention now', mentions: [ben!.id] });

    // Reading the chat clears Ben's mention badge.
    await b.page.locator(chatItem(group.id)).click();
    await eventually(() => badge(b).count(), 0);
  });
});

async function eventuallyMessages(user: TestUser, chatId: number, count: number) {
  let messages: MessageResource[] = [];
  await expect
    .poll(
      async () => {
        messages = await serverMessages(user, chatId);
        return messages.length;
      },
      { timeout: 30_000, interval: 250 },
    )
    .toBe(count);
  return messages;
}

/** A small landscape picture (so the thumbnail is worth looking at). */
function samplePng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#f0abfc"/>
    </linearGradient></defs>
    <rect width="640" height="400" fill="url(#sky)"/>
    <circle cx="480" cy="110" r="46" fill="#fde68a"/>
    <polygon points="0,400 180,170 300,300 420,150 640,400" fill="#1e1b4b"/>
    <polygon points="150,400 330,230 520,400" fill="#312e81"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
