import { now } from '../client/protocol.js';

/**
 * Calls `fire(i)` `rate` times per second for `durationMs` (in 5 ms ticks, catching up on late
 * ticks), then resolves with how many were fired and how long it took.
 */
export function paced(
  rate: number,
  durationMs: number,
  fire: (index: number) => void,
): Promise<{ fired: number; elapsedMs: number }> {
  const total = Math.round((rate * durationMs) / 1000);
  const started = now();
  let fired = 0;
  return new Promise((resolve) => {
    if (total === 0) return resolve({ fired: 0, elapsedMs: 0 });
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor((rate * (now() - started)) / 1000));
      while (fired < due) fire(fired++);
      if (fired >= total) {
        clearInterval(timer);
        resolve({ fired, elapsedMs: now() - started });
      }
    }, 5);
  });
}
