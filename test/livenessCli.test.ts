// The command on a liveness counterexample: check reports it with its cycle (text and json), writes
// the lasso trace, and replay reproduces it and draws the loop.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';

const model = 'test/fixtures/starvingMutex.ts';

describe('vmbus-check on a liveness violation', () => {
  test('check: exit 1, the lasso in json, and a version 2 trace with its cycle', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vmbus-live-')), 'lasso.json');
    const r = await runMain(['check', model, '--format', 'json', '--out', out, '--quiet']);
    expect(r.code).toBe(1);
    const o = JSON.parse(r.stdout.trim());
    expect([o.verdict, o.property, o.steps, o.cycleStart]).toEqual(['violated', 'bEnters', 4, 1]);
    expect(o.timeline).toContain('~  cycle: steps 2-4 repeat forever');
    const trace = JSON.parse(readFileSync(out, 'utf8'));
    expect([trace.format, trace.cycle]).toEqual(['vmbus-check-trace/2', { start: 1 }]);

    const replay = await runMain(['replay', out, '--model', model]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('reproduced: bEnters violated after 4 steps');
    const mermaid = await runMain(['replay', out, '--model', model, '--format', 'mermaid']);
    expect(mermaid.stdout).toContain('  loop steps 2-4 repeat forever\n');
  });

  test('compare replays the lasso against the other variants and says why it fails where it does', async () => {
    const r = await runMain(['compare', 'test/fixtures/starvingMutexScenario.ts', '--variants', 'weak,strong-b,none', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('strong-b: all 4 steps are possible, but they are no liveness counterexample there: the cycle is not a fair run: b is enabled on the cycle but never steps (strong fairness)');
    expect(r.stdout).toMatch(/none: still violated: bEnters at step 4 of 4: b waits for the lock/);
  });

  test('a bound hit leaves a liveness property bounded: exit 3', async () => {
    const r = await runMain(['check', model, '--max-states', '3', '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/bounded \(maxStates\)/);
  });
});
