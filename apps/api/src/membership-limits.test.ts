import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsers, type TestUser } from '@kelisim/testing';
import { auth, createApiHarness, type ApiHarness } from './test-api.js';

let capped: ApiHarness;
let limited: ApiHarness;
/** The harness the current test talks to. */
let h: ApiHarness;
let users: TestUser[];
type Five = [TestUser, TestUser, TestUser, TestUser, TestUser];

beforeAll(async () => {
  capped = await createApiHarness('group-cap', { groupMaxMembers: 4 });
  limited = await createApiHarness('membership-rates', {
    chatCreatesPerWindow: 3,
    participantAddsPerWindow: 5,
    deletesPerWindow: 2,
  });
});
afterAll(async () => {
  await capped.close();
  await limited.close();
});

function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.body.code).toBe('rate_limited');
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
}

describe('CHAT_GROUP_MAX_MEMBERS', () => {
  beforeAll(async () => {
    h = capped;
    users = await createUsers(h.database.db, 10, 'Capped');
  });

  it('refuses to create a group larger than the cap, its creator included', async () => {
    const [owner, ...others] = users.slice(0, 5) as [TestUser, ...TestUser[]];
    const tooBig = await h.postGroup(owner, others);
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.errors).toEqual({
      participant_ids: ['A group may have at most 4 members.'],
    });
    expect((await h.postGroup(owner, others.slice(0, 3))).status).toBe(201);
  });

  it('refuses adds that would grow a group beyond the cap, and adds nobody then', async () => {
    const [owner, a, b, c, d] = users.slice(5, 10) as Five;
    const created = await h.postGroup(owner, [a]);
    const chatId: number = created.body.data.id;
    const refused = await h.addParticipants(chatId, owner, [b, c, d]);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual({ user_ids: ['A group may have at most 4 members.'] });
    const listed = await h.http.get(`/api/chats/${chatId}/participants`).set(auth(owner));
    expect(listed.body.data).toHaveLength(2);

    expect((await h.addParticipants(chatId, owner, [a, b, c])).status).toBe(200);
    expect(
      (await h.http.get(`/api/chats/${chatId}/participants`).set(auth(owner))).body.data,
    ).toHaveLength(4);
  });
});

describe('rate limits, shared through Redis', () => {
  beforeAll(async () => {
    h = limited;
    users = await createUsers(h.database.db, 12, 'Limited');
  });

  it('limits chat creation per user (CHAT_CREATE_RATE_LIMIT)', async () => {
    const [fast, other, slow] = users.slice(0, 3) as [TestUser, TestUser, TestUser];
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.postGroup(fast, [])).status);
    expect(statuses).toEqual([201, 201, 201]);
    expectRateLimited(await h.postGroup(fast, []));
    expectRateLimited(
      await h.http
        .post('/api/chats')
        .set(auth(fast))
        .send({ type: 'direct', participant_ids: [other.id] }),
    );
    expect((await h.postGroup(slow, [])).status).toBe(201);
  });

  it('limits the users added per user, at creation and later (CHAT_PARTICIPANT_ADD_RATE_LIMIT)', async () => {
    const [owner, a, b, c, d] = users.slice(3, 8) as Five;
    const [e, f] = users.slice(8, 10) as [TestUser, TestUser];
    const created = await h.postGroup(owner, [a, b]);
    expect(created.status).toBe(201);
    const chatId: number = created.body.data.id;
    expect((await h.addParticipants(chatId, owner, [c, d])).status).toBe(200);
    const refused = await h.addParticipants(chatId, owner, [e, f]);
    expectRateLimited(refused);
    expect(
      (await h.http.get(`/api/chats/${chatId}/participants`).set(auth(owner))).body.data,
    ).toHaveLength(5);
  });

  it('limits message deletions per user (CHAT_DELETE_RATE_LIMIT)', async () => {
    const [sender, peer] = users.slice(10, 12) as [TestUser, TestUser];
    const chat = await h.http
      .post('/api/chats')
      .set(auth(sender))
      .send({ type: 'direct', participant_ids: [peer.id] });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const sent = await h.http
        .post(`/api/chats/${chat.body.data.id}/messages`)
        .set(auth(sender))
        .send({ content: `message ${i}` });
      ids.push(sent.body.data.id);
    }
    expect((await h.http.delete(`/api/messages/${ids[0]}`).set(auth(sender))).status).toBe(200);
    expect((await h.http.delete(`/api/messages/${ids[1]}`).set(auth(sender))).status).toBe(200);
    const refused = await h.http.delete(`/api/messages/${ids[2]}`).set(auth(sender));
    expectRateLimited(refused);
    const kept = await h.http.get(`/api/chats/${chat.body.data.id}/messages`).set(auth(peer));
    expect(kept.body.data.map((m: { deleted_at: string | null }) => m.deleted_at !== null)).toEqual(
      [true, true, false],
    );
  });
});
