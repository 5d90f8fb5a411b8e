import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

/** Runs `pnpm bench <args>` as a user would (without pnpm): exit code and stdout lines. */
function runBench(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const child = spawn(process.execPath, ['--import', tsx, cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) =>
      resolve({ code, lines: stdout.split('\n').filter((line) => line.length > 0), stderr }),
    ),
  );
}

/** A db and a fanout step for each of `kinds` (by `field`), every message delivered once to 10. */
function expectChatSteps(
  steps: Record<string, unknown>[],
  field: 'system' | 'transport',
  kinds: string[],
) {
  expect(steps.map((s) => `${String(s[field])}/${String(s.path)}`).sort()).toEqual(
    kinds.flatMap((kind) => [`${kind}/db`, `${kind}/fanout`]),
  );
  for (const step of steps) {
    expect(step).toMatchObject({ loss: 0, duplicates: 0, ack_errors: 0, disconnects: 0 });
    expect(step.deliveries).toBe(Number(step.sent) * 10);
    expect(step.delivery_ms).toMatchObject({ n: step.deliveries });
  }
}

describe('pnpm bench --smoke', () => {
  // Tiny sizes for a second or two each: the harness end to end, no timing thresholds.
  it('runs chat, fanout and connections against our nodes and the baseline, losing nothing', async () => {
    const { code, lines, stderr } = await runBench(['chat', 'fanout', 'connections', '--smoke']);
    expect(code, stderr).toBe(0);
    const results = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const result of results) {
      expect(result).toMatchObject({ smoke: true, at: expect.any(String) });
      expect(result.error).toBeUndefined();
    }

    const steps = (scenario: string) =>
      results.filter((r) => r.scenario === scenario && r.kind === 'step');
    const summary = (scenario: string) =>
      results.find((r) => r.scenario === scenario && r.kind === 'summary');

    expectChatSteps(steps('chat'), 'system', ['baseline', 'kelisim']);
    expect(summary('chat')).toMatchObject({ users: 20, chat_size: 10, fanout_rate: 50 });

    const fanoutSteps = steps('fanout');
    expect(fanoutSteps.map((s) => s.system).sort()).toEqual(['baseline', 'kelisim']);
    for (const step of fanoutSteps) {
      expect(step).toMatchObject({ loss: 0, duplicates: 0, disconnects: 0 });
      expect(step.deliveries).toBe(Number(step.published) * 20);
    }
    expect(summary('fanout')).toMatchObject({ subscribers: 20, ratio: expect.any(Number) });

    const connectionSteps = steps('connections');
    expect(connectionSteps.map((s) => s.system).sort()).toEqual(['baseline', 'kelisim']);
    for (const step of connectionSteps) {
      expect(step).toMatchObject({ connections: 40, connected: 40, failed: 0, disconnects: 0 });
      // Read over the inspector after a forced collection: a real heap, never a placeholder.
      expect(step.heap_before_mb).toBeGreaterThan(1);
      expect(step.heap_idle_mb).toBeGreaterThan(1);
    }
    expect(summary('connections')).toMatchObject({
      connections: 40,
      held: true,
      heap_per_connection_kb: expect.any(Number),
      baseline_heap_per_connection_kb: expect.any(Number),
    });
  }, 180_000);

  it("runs plain-ws: the Go clients' /ws beside socket.io on our nodes, losing nothing", async () => {
    const { code, lines, stderr } = await runBench(['plain-ws', '--smoke']);
    expect(code, stderr).toBe(0);
    const results = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const steps = results.filter((r) => r.kind === 'step');
    expectChatSteps(steps, 'transport', ['plain', 'socket.io']);
    // Timings (p99, the CPU ratio) are measured, not judged, at smoke sizes.
    expect(results.find((r) => r.kind === 'summary')).toMatchObject({
      cpu_ratio: expect.any(Number),
    });
  }, 120_000);

  it('measures the realtime role alone with BENCH_ROLE=realtime, and refuses an unknown role', async () => {
    const { code, lines, stderr } = await runBench(['fanout', 'connections', '--smoke'], {
      BENCH_ROLE: 'realtime',
    });
    expect(code, stderr).toBe(0);
    const results = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const ours = results.filter((r) => r.scenario === 'connections' && r.system === 'kelisim');
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ role: 'realtime', connected: ours[0]!.connections, failed: 0 });
    const summary = results.find((r) => r.scenario === 'connections' && r.kind === 'summary');
    expect(summary).toMatchObject({ role: 'realtime', held: true });
    const fanout = results.filter((r) => r.scenario === 'fanout' && r.kind === 'step');
    for (const step of fanout) expect(step).toMatchObject({ loss: 0, duplicates: 0 });

    const refused = await runBench(['connections', '--smoke'], { BENCH_ROLE: 'gateway' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('BENCH_ROLE must be server or realtime, not "gateway"');
  });
});
