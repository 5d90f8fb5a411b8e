import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsers, type TestUser } from '@kelisim/testing';
import { auth, createApiHarness, type ApiHarness } from './test-api.js';

/** Requests as the Go service's clients sent them: a bare status PUT, form-encoded bodies. */

let h: ApiHarness;
let owner: TestUser, member: TestUser, third: TestUser, fourth: TestUser;

beforeAll(async () => {
  h = await createApiHarness('seed-bodies');
  const users = await createUsers(h.database.db, 4, 'Seed');
  [owner, member, third, fourth] = users as [TestUser, TestUser, TestUser, TestUser];
});
afterAll(() => h.close());

const postMessage = (chatId: number, sender: TestUser) =>
  h.http.post(`/api/chats/${chatId}/messages`).set(auth(sender));
/** PUT /api/messages/:id/status as member. */
const putStatus = (messageId: number | undefined) =>
  h.http.put(`/api/messages/${messageId}/status`).set(auth(member));

/** A group of owner and member with `count` messages from owner: the chat and message ids. */
async function groupWithMessages(count: number): Promise<{ chatId: number; ids: number[] }> {
  const chatId = await h.createGroup(owner, [member]);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await postMessage(chatId, owner).send({ content: `m${i}` });
    ids.push(sent.body.data.id);
  }
  return { chatId, ids };
}

describe('PUT /api/messages/:id/status', () => {
  it('marks the message read with no body and no Content-Type, as the seed did', async () => {
    const { chatId, ids } = await groupWithMessages(2);
    const res = await putStatus(ids[0]);
    expect(res.request.getHeader('Content-Type')).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ chat_id: chatId, last_read_seq: 1, unread_count: 1 });
  });

  it('marks read with an empty JSON body, with {}, with {"status":"read"} and with status=read', async () => {
    const { ids } = await groupWithMessages(4);
    const empty = await putStatus(ids[0]).set('Content-Type', 'application/json');
    const emptyObject = await putStatus(ids[1]).send({});
    const explicit = await putStatus(ids[2]).send({ status: 'read' });
    const form = await putStatus(ids[3]).type('form').send('status=read');
    expect([empty, emptyObject, explicit, form].map((res) => res.status)).toEqual([
      200, 200, 200, 200,
    ]);
    expect(form.body.data).toMatchObject({ last_read_seq: 4, unread_count: 0 });
  });

  it('still refuses another status with 422, in JSON and in a form', async () => {
    const { ids } = await groupWithMessages(1);
    const json = await putStatus(ids[0]).send({ status: 'unread' });
    const form = await putStatus(ids[0]).type('form').send('status=delivered');
    for (const res of [json, form]) {
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        errors: { status: [expect.any(String)] },
      });
    }
  });
});

describe('application/x-www-form-urlencoded bodies (as Gin bound them)', () => {
  it('sends a message: content=hi&temp_id=x, idempotent by that temp_id', async () => {
    const { chatId, ids } = await groupWithMessages(1);
    const send = () =>
      postMessage(chatId, member).type('form').send(`content=hi&temp_id=x&reply_to_id=${ids[0]}`);
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      content: 'hi',
      temp_id: 'x',
      reply_to_id: ids[0],
      sender: { id: member.id },
    });
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(first.body.data.id);
  });

  it('creates a group from participant_ids[]=… or repeated participant_ids=…, ids as strings', async () => {
    const bracketed = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .type('form')
      .send(`type=group&name=Form&participant_ids[]=${member.id}&participant_ids[]=${third.id}`);
    const repeated = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .type('form')
      .send(`type=group&participant_ids=${member.id}&participant_ids=${third.id}`);
    const single = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .type('form')
      .send(`type=group&participant_ids=${fourth.id}`);
    expect([bracketed.status, repeated.status, single.status]).toEqual([201, 201, 201]);
    expect(bracketed.body.data).toMatchObject({ name: 'Form', participants_count: 3 });
    expect(repeated.body.data.participants_count).toBe(3);
    expect(single.body.data.participants_count).toBe(2);
    const ids = (res: typeof bracketed) =>
      (res.body.data.participants as { id: number }[]).map((p) => p.id).sort((a, b) => a - b);
    expect(ids(bracketed)).toEqual([owner.id, member.id, third.id].sort((a, b) => a - b));
  });

  it('adds participants and marks a chat read up to a seq from forms', async () => {
    const { chatId } = await groupWithMessages(3);
    const added = await h.http
      .post(`/api/chats/${chatId}/participants`)
      .set(auth(owner))
      .type('form')
      .send(`user_ids[]=${third.id}`);
    expect(added.status).toBe(200);
    expect(added.body.data).toMatchObject([{ user_id: third.id }]);
    const read = await h.http
      .put(`/api/chats/${chatId}/read`)
      .set(auth(member))
      .type('form')
      .send('seq=2');
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ last_read_seq: 2, unread_count: 1 });
  });

  it('checks forms with the same rules: a bad type or a non-numeric id is a 422', async () => {
    const badType = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .type('form')
      .send(`type=channel&participant_ids=${member.id}`);
    const badId = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .type('form')
      .send('type=group&participant_ids=abc');
    expect([badType.status, badType.body.errors]).toEqual([422, { type: [expect.any(String)] }]);
    expect(badId.status).toBe(422);
    expect(Object.keys(badId.body.errors as object)).toEqual(['participant_ids.0']);
  });

  it('does not loosen JSON: a single string id where JSON must give a list is still a 422', async () => {
    const chatId = await h.createGroup(owner, [member]);
    const jsonString = await h.http
      .post(`/api/chats/${chatId}/participants`)
      .set(auth(owner))
      .send({ user_ids: String(third.id) });
    const jsonGroup = await h.http
      .post('/api/chats')
      .set(auth(owner))
      .send({ type: 'group', participant_ids: String(member.id) });
    for (const res of [jsonString, jsonGroup]) {
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('validation_failed');
    }
    expect(jsonString.body.errors).toHaveProperty('user_ids');
    expect(jsonGroup.body.errors).toHaveProperty('participant_ids');
  });

  it('keeps the 1 MB limit for forms and still refuses other encodings with 415', async () => {
    const chatId = await h.createGroup(owner, [member]);
    const huge = await postMessage(chatId, owner)
      .type('form')
      .send(`content=${'x'.repeat(1_100_000)}`);
    expect(huge.status).toBe(413);
    const plain = await postMessage(chatId, owner)
      .set('Content-Type', 'text/plain')
      .send('content=hello');
    expect(plain.status).toBe(415);
  });
});
