import { describe, expect, it } from 'vitest';
import { isOneEmoji } from './primitives.js';

describe('isOneEmoji', () => {
  it.each([
    ['👍', 'a pictograph'],
    ['👍🏽', 'with a skin tone'],
    ['🏳️‍🌈', 'a joined sequence with a variation selector'],
    ['👨‍👩‍👧‍👦', 'a family of four'],
    ['🇨🇳', 'a flag (two regional indicators)'],
    ['🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'a subdivision flag (tag sequence)'],
    ['1️⃣', 'a keycap'],
    ['❤️', 'a text-default symbol shown as emoji'],
  ])('accepts %s (%s)', (emoji) => {
    expect(isOneEmoji(emoji)).toBe(true);
  });

  it.each([
    ['', 'nothing'],
    ['a', 'a letter'],
    ['ok', 'a word'],
    ['中', 'a Chinese character'],
    ['1', 'a digit (an emoji component alone)'],
    ['#', 'a number sign'],
    ['🏽', 'a skin tone alone'],
    ['\u200d', 'a joiner alone'],
    ['👍👍', 'two emoji'],
    ['👍 ', 'an emoji and a space'],
    ['👍\u0301', 'an emoji with a combining accent'],
    ['🧑🏻\u200d❤️\u200d💋\u200d🧑🏼', 'one emoji of 35 bytes (over the 32-byte limit)'],
  ])('refuses %j (%s)', (value) => {
    expect(isOneEmoji(value)).toBe(false);
  });
});
