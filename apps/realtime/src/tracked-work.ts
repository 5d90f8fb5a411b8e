import type { Logger } from '@kelisim/logger';

/**
 * Background work a node starts and does not await (presence updates): a failure is logged as
 * `failureMessage`, and `settled` waits until all of it, including work started meanwhile, ended.
 */
export function createTrackedWork(logger: Logger, failureMessage: string) {
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    const guarded = work.catch((error: unknown) => logger.warn({ err: error }, failureMessage));
    pending.add(guarded);
    void guarded.finally(() => pending.delete(guarded));
  };
  const settled = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return { track, settled };
}
