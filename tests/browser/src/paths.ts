import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const webDir = fileURLToPath(new URL('../../../apps/web/', import.meta.url));
export const webDist = fileURLToPath(new URL('../../../apps/web/dist/', import.meta.url));
export const artifactsDir = fileURLToPath(new URL('../artifacts/', import.meta.url));
export const docsScreenshotsDir = fileURLToPath(
  new URL('../../../docs/screenshots/', import.meta.url),
);
