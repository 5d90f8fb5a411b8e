import { z } from 'zod';
import { type Env, envInt, parseEnvSections, presenceEnv, storageEnv } from '@kelisim/config';
import { nodeEnvSections } from '@kelisim/node';

export const workerEnv = z
  .object({
    WORKER_PORT: envInt({ min: 0, max: 65535, default: 6002 }),
    WORKER_CONCURRENCY: envInt({ min: 1, max: 1_000, default: 4 }),
    CHAT_UNREAD_RECONCILE_INTERVAL: envInt({ min: 0, max: 86_400, default: 300 }),
    CHAT_ORPHAN_SWEEP_INTERVAL: envInt({ min: 0, max: 604_800, default: 3_600 }),
    CHAT_ORPHAN_GRACE: envInt({ min: 60, max: 2_592_000, default: 3_600 }),
  })
  .transform((env): WorkerSettings => ({
    port: env.WORKER_PORT,
    concurrency: env.WORKER_CONCURRENCY,
    reconcileIntervalMs: env.CHAT_UNREAD_RECONCILE_INTERVAL * 1000,
    orphanSweepIntervalMs: env.CHAT_ORPHAN_SWEEP_INTERVAL * 1000,
    orphanGraceMs: env.CHAT_ORPHAN_GRACE * 1000,
  }));

export interface WorkerSettings {
  /** Port of the health and metrics endpoints. */
  port: number;
  /** Jobs processed at once per queue by this process. */
  concurrency: number;
  /** How often unread counters are reconciled with exact counts; 0 turns it off. */
  reconcileIntervalMs: number;
  /** How often stored objects no file references are swept away; 0 turns it off. */
  orphanSweepIntervalMs: number;
  /** How old an unreferenced object must be before the sweep removes it (spares uploads in flight). */
  orphanGraceMs: number;
}

export function loadWorkerConfig(env: Env) {
  return parseEnvSections(
    { ...nodeEnvSections, worker: workerEnv, presence: presenceEnv, storage: storageEnv },
    env,
  );
}

export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;
