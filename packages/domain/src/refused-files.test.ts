import { describe, expect, it } from 'vitest';
import { refusalOfFileType } from './refused-files.js';

describe('refusalOfFileType', () => {
  it('refuses executables and keeps everything else', () => {
    expect(refusalOfFileType('application/x-msdownload')).toBe('Executable files are not allowed.');
    expect(refusalOfFileType('application/vnd.android.package-archive')).not.toBeNull();
    expect(refusalOfFileType('application/pdf')).toBeNull();
    expect(refusalOfFileType('image/png')).toBeNull();
  });
});
