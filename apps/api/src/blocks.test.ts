import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsers, type TestUser } from '@kelisim/testing';
import { auth, createApiHarness, type ApiHarness } from './test-api.js';

let h: ApiHarness;
let users: TestUser[];
const unknownId = 999_999_999;

beforeAll(async () => {
  h = await createApiHarness('blocks');
  users = await createUsers(h.database.db, 12, 'Blocks');
});
afterAll(() => h.close());

function block(blocker: TestUser, blocked: TestUser | number) {
  const id = typeof blocked === 'number' ? blocked : blocked.id;
  return h.http.post(`/api/users/${id}/block`).set(auth(blocker));
}

function createDirect(actor: TestUser, otherId: number) {
  return h.http
    .post('/api/chats')
    .set(auth(actor))
    .send({ type: 'direct', participant_ids: [otherId] });
}

describe('POST /api/users/:id/block', () => {
  it('blocks once: 201, then 200 with the same block', async () => {
    const [me, them] = [users[0]!, users[1]!];
    const first = await block(me, them);
    expect(first.status).toBe(201);
    expect(first.body.data).toEqual({
      user: { id: them.id, name: them.name },
      created_at: expect.any(String),
    });
    const again = await block(me, them);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const list = await h.http.get('/api/blocks').set(auth(me));
    expect(list.body).toEqual({ data: [first.body.data] });
  });

  it('refuses to block yourself (422) and unknown users (404)', async () => {
    const me = users[0]!;
    const self = await block(me, me);
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('validation_failed');
    const unknown = await block(me, unknownId);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    expect((await h.http.post(`/api/users/${users[1]!.id}/block`)).status).toBe(401);
  });
});

describe('DELETE /api/users/:id/block', () => {
  it('unblocks, also when not blocked; unknown users are 404', async () => {
    const [me, them] = [users[2]!, users[3]!];
    await block(me, them);
    const removed = await h.http.delete(`/api/users/${them.id}/block`).set(auth(me));
    expect(removed.status).toBe(204);
    expect((await h.http.delete(`/api/users/${them.id}/block`).set(auth(me))).status).toBe(204);
    expect((await h.http.get('/api/blocks').set(auth(me))).body).toEqual({ data: [] });
    expect((await h.http.delete(`/api/users/${unknownId}/block`).set(auth(me))).status).toBe(404);
  });
});

describe('a blocked user', () => {
  it('cannot open a direct chat with the blocker, refused exactly like an unknown user', async () => {
    const [blocker, blocked] = [users[4]!, users[5]!];
    await block(blocker, blocked);
    const refused = await createDirect(blocked, blocker.id);
    const unknown = await createDirect(blocked, unknownId);
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({
      message: `Unknown user ids: ${blocker.id}.`,
      code: 'validation_failed',
      errors: { participant_ids: [`Unknown user ids: ${blocker.id}.`] },
    });
    expect(unknown.body).toEqual({
      message: `Unknown user ids: ${unknownId}.`,
      code: 'validation_failed',
      errors: { participant_ids: [`Unknown user ids: ${unknownId}.`] },
    });

    expect((await createDirect(blocker, blocked.id)).status).toBe(201);
    await h.http.delete(`/api/users/${blocked.id}/block`).set(auth(blocker));
    expect((await createDirect(blocked, blocker.id)).status).toBe(200);
  });

  it('cannot add the blocker to a group, nor create a group with them, refused like an unknown user', async () => {
    const [blocker, blocked, bystander] = [users[6]!, users[7]!, users[8]!];
    await block(blocker, blocked);
    const groupId = await h.createGroup(blocked);
    const refused = await h.addParticipants(groupId, blocked, [bystander, blocker]);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual({ user_ids: [`Unknown user ids: ${blocker.id}.`] });
    const participants = await h.http.get(`/api/chats/${groupId}/participants`).set(auth(blocked));
    expect(participants.body.data.map((p: { user_id: number }) => p.user_id)).toEqual([blocked.id]);

    const created = await h.http
      .post('/api/chats')
      .set(auth(blocked))
      .send({ type: 'group', name: 'Sneaky', participant_ids: [blocker.id] });
    expect(created.status).toBe(422);
    expect(created.body.errors).toEqual({ participant_ids: [`Unknown user ids: ${blocker.id}.`] });

    // The blocker may still add the user they blocked.
    await h.createGroup(blocker, [blocked]);
  });

  it('stays in the chats they already share with the blocker; both are told the other is offline', async () => {
    const [blocker, blocked, stranger] = [users[9]!, users[10]!, users[11]!];
    const groupId = await h.createGroup(blocker, [blocked]);
    h.publisher.clear();
    await block(blocker, blocked);
    expect(h.publisher.of('presence')).toEqual([
      {
        audience: { userIds: [blocker.id] },
        event: 'presence',
        payload: { user_id: blocked.id, status: 'offline', last_seen_at: null },
      },
      {
        audience: { userIds: [blocked.id] },
        event: 'presence',
        payload: { user_id: blocker.id, status: 'offline', last_seen_at: null },
      },
    ]);
    const participants = await h.http.get(`/api/chats/${groupId}/participants`).set(auth(blocked));
    expect(participants.status).toBe(200);
    expect(participants.body.data).toHaveLength(2);

    h.publisher.clear();
    await block(blocker, stranger);
    expect(h.publisher.of('presence')).toEqual([]);
  });
});
