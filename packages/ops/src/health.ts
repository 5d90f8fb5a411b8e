import { Router } from 'express';

export type HealthCheck = () => Promise<unknown>;

/**
 * `/health/live`: the process is up. `/health/ready`: every dependency answers and the node is
 * not draining, so a load balancer may send it traffic.
 */
export function healthRoutes(
  checks: Record<string, HealthCheck>,
  isDraining: () => boolean,
): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const results = await runChecks(checks);
    const healthy = Object.values(results).every((r) => r === 'ok');
    const status = isDraining() ? 'draining' : healthy ? 'ready' : 'unavailable';
    res.status(status === 'ready' ? 200 : 503).json({ status, checks: results });
  });
  return router;
}

async function runChecks(checks: Record<string, HealthCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), 2_000);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'failing'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
