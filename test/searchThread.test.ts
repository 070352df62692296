// The command line searches in a worker thread, so a stop works even while model code never returns:
// --time-limit and stop signals end a guard's endless loop with a bounded verdict and its report, a full
// JavaScript heap is a `memory` bound rather than V8's crash, and process.exit in a guard is reported.
import { describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';

const inThread = (args: string[]) => runMain(args, { searchThread: true });
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n')[0]);

describe('the search thread', () => {
  test('--time-limit stops a guard that never returns: bounded (timeLimit), exit 3', async () => {
    const r = await inThread(['check', 'test/fixtures/endlessGuard.ts', '--time-limit', '0.5', '--format', 'json', '--quiet']);
    expect(json(r.stdout)).toMatchObject({ verdict: 'bounded', bounds: [{ kind: 'timeLimit', detail: expect.stringMatching(/model code was running/) }] });
    expect(r.code).toBe(3);
  });

  test('a stop signal ends a guard that never returns: bounded (interrupted), exit 3', async () => {
    const run = inThread(['check', 'test/fixtures/endlessGuard.ts', '--format', 'json', '--quiet']);
    // The model says when its guard starts spinning; only then is the signal sent.
    const spinning = new BroadcastChannel('vmbus-check-test:endless-guard');
    spinning.onmessage = () => process.emit('SIGTERM');
    const r = await run.finally(() => spinning.close());
    expect(json(r.stdout)).toMatchObject({ verdict: 'bounded', bounds: [{ kind: 'interrupted', detail: expect.stringMatching(/model code was running/) }] });
    expect(r.code).toBe(3);
  });

  test('a full heap in model code is a memory bound with its report, not a crash', async () => {
    const r = await inThread(['check', 'test/fixtures/heapHog.ts', '--max-memory', '300M', '--format', 'json', '--quiet']);
    expect(json(r.stdout)).toMatchObject({ verdict: 'bounded', bounds: [{ kind: 'memory', detail: expect.stringMatching(/heap/) }] });
    expect(r.code).toBe(3);
  });

  test('process.exit in a guard is a one-line error, exit 2', async () => {
    const r = await inThread(['check', 'test/fixtures/exitInGuard.ts']);
    expect(r.stderr).toMatch(/^vmbus-check: exit-in-guard: .*process\.exit/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
  });

  test('a search in the thread finds what a search in this thread finds, counterexample included', async () => {
    const args = ['check', 'peterson', '--variant', 'broken', '--format', 'json', '--quiet'];
    const [there, here] = [await inThread(args), await runMain(args)];
    const strip = (o: { stats: Record<string, unknown> }) => ({ ...o, stats: { ...o.stats, seconds: 0 } });
    expect(there.code).toBe(1);
    expect(strip(json(there.stdout))).toEqual(strip(json(here.stdout)));
    expect(json(there.stdout).steps).toBeGreaterThan(0);
  });
});
