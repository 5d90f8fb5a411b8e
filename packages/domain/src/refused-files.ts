/** Executables are refused outright; everything else is served only as an attachment. */
const executableTypes = new Set([
  'application/x-msdownload',
  'application/vnd.microsoft.portable-executable',
  'application/x-elf',
  'application/x-mach-binary',
  'application/x-executable',
  'application/x-sharedlib',
  'application/x-msi',
  'application/vnd.android.package-archive',
]);

/** Why an upload whose bytes sniff as `mimeType` is refused, or null when it may be kept. */
export function refusalOfFileType(mimeType: string): string | null {
  return executableTypes.has(mimeType) ? 'Executable files are not allowed.' : null;
}
