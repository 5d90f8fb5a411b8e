import { describe, expect, it } from 'vitest';
import { isOneEmoji } from './primitives.js';

describe('isOneEmoji accepts one emoji as users pick it, and nothing else', () => {
  it.each([
    ['👍', 'a pictograph', true],
    ['👍🏽', 'with a skin tone', true],
    ['🏳️‍🌈', 'a joined sequence with a variation selector', true],
    ['👨‍👩‍👧‍👦', 'a family of four', true],
    ['🇨🇳', 'a flag (two regional indicators)', true],
    ['🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'a subdivision flag (tag sequence)', true],
    ['1️⃣', 'a keycap', true],
    ['❤️', 'a text-default symbol shown as emoji', true],
    ['', 'nothing', false],
    ['a', 'a letter', false],
    ['ok', 'a word', false],
    ['中', 'a Chinese character', false],
    ['1', 'a digit (an emoji component alone)', false],
    ['#', 'a number sign', false],
    ['🏽', 'a skin tone alone', false],
    ['\u200d', 'a joiner alone', false],
    ['👍👍', 'two emoji', false],
    ['👍 ', 'an emoji and a space', false],
    ['👍\u0301', 'an emoji with a combining accent', false],
    ['🧑🏻\u200d❤️\u200d💋\u200d🧑🏼', 'one emoji of 35 bytes (over the 32-byte limit)', false],
  ])('%j (%s): %s', (value, _what, accepted) => {
    expect(isOneEmoji(value)).toBe(accepted);
  });
});
