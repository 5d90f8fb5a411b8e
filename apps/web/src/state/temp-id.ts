/** A client-made id for a send (crypto.randomUUID needs a secure context; this does not). */
export function newTempId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
