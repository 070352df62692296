// Graceful stops: SIGTERM and SIGHUP (a cancelled CI job, a closed terminal) stop a check as Ctrl-C
// does, and a closed stderr does not turn a bounded run into a crash.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';
import { repoRoot } from './cliProcess.ts';

describe('stop signals', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    test(`${signal}: bounded (interrupted), partial statistics, the rest not run, exit 3`, async () => {
      const run = runMain(['check', 'test/fixtures/slowScenario.ts', '--format', 'json', '--quiet']);
      // The handler is installed once the check starts; emitting calls it as a delivered signal would.
      // Once: a second signal quits at once.
      const timer = setInterval(() => {
        if (process.listenerCount(signal) === 0) return;
        clearInterval(timer);
        process.emit(signal);
      }, 50);
      const r = await run.finally(() => clearInterval(timer));
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ variant: 'first', verdict: 'bounded', bounds: [{ kind: 'interrupted' }] });
      expect(lines[0].stats.states).toBeGreaterThan(0);
      expect(lines.slice(1)).toMatchObject([{ variant: 'second', skipped: true }, { variant: 'third', skipped: true }]);
      expect(r.code).toBe(3);
    });
  }

  test('a closed stderr: the bounded run still exits 3 with its report', async () => {
    const bin = fileURLToPath(new URL('../bin/vmbus-check.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'check', 'test/fixtures/slowScenario.ts', '--variant', 'first', '--max-states', '20000', '--progress-interval', '1', '--format', 'json'], { cwd: repoRoot });
    child.stderr.destroy();
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(JSON.parse(stdout)).toMatchObject({ verdict: 'bounded', bounds: [{ kind: 'maxStates' }] });
    expect(code).toBe(3);
  });
});
