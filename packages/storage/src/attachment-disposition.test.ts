import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './attachment-disposition.js';

describe('attachmentDisposition', () => {
  it.each([
    ['report.pdf', 'attachment; filename=report.pdf'],
    [
      'naïve résumé ☃.pdf',
      `attachment; filename="na?ve r?sum? ?.pdf"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9%20%E2%98%83.pdf`,
    ],
    ['a "quoted"\\name.txt', 'attachment; filename="a \\"quoted\\"\\\\name.txt"'],
    ['evil\r\nSet-Cookie: x=1.txt', 'attachment; filename="evilSet-Cookie: x=1.txt"'],
  ])('%j → %s', (filename, expected) => {
    expect(attachmentDisposition(filename)).toBe(expected);
  });
});
