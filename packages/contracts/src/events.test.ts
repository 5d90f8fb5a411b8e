import { describe, expect, it } from 'vitest';
import { chatOfEvent } from './events.js';

describe('chatOfEvent', () => {
  it("names the chat of a chat's own events", () => {
    expect(chatOfEvent('new_message', { message: { chat_id: 7 } })).toBe(7);
    expect(chatOfEvent('file_ready', { file: {}, message: { chat_id: 8 } })).toBe(8);
    expect(chatOfEvent('typing', { chat_id: 9, user: {}, is_typing: true })).toBe(9);
    expect(chatOfEvent('participant_removed', { chat_id: 10, user_id: 1 })).toBe(10);
  });

  it('has none for events pushed to users, Echo forms, inherited names or malformed payloads', () => {
    expect(chatOfEvent('mentioned', { chat_id: 7, message: { chat_id: 7 } })).toBeUndefined();
    expect(chatOfEvent('unread_count', { chat_id: 7 })).toBeUndefined();
    expect(chatOfEvent('new_message', 'private-chat.7')).toBeUndefined();
    expect(chatOfEvent('new_message', { chat_id: 7 })).toBeUndefined();
    expect(chatOfEvent('typing', { chat_id: '7' })).toBeUndefined();
    expect(chatOfEvent('toString', { chat_id: 7 })).toBeUndefined();
  });
});
