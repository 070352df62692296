// replay, compare and list, run in-process (test/cliBin.test.ts runs the bin itself).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { runMain } from './cliInProcess.ts';
import { isOneLineError, repoRoot } from './cliProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-replay-'));
const trace = path.join(tmp, 'lost-wakeup.json');

beforeAll(async () => {
  const r = await runMain(['check', 'lost-wakeup', '--variant', 'buggy', '--out', trace, '--quiet']);
  expect(r.code).toBe(1);
});

describe('vmbus-check replay', () => {
  test('re-executes the counterexample: reproduced is exit 1', async () => {
    const r = await runMain(['replay', trace]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/reproduced.*lostWakeup/);
  });

  test('against a patched model the replay diverges, naming the step: exit 0', async () => {
    // Point the buggy variant's trace at the fixed variant (with its parameters: replay refuses a
    // system built with other parameters), as if the model had been patched.
    const patched = path.join(tmp, 'patched.json');
    const t = JSON.parse(readFileSync(trace, 'utf8'));
    writeFileSync(patched, JSON.stringify({ ...t, system: { ...t.system, variant: 'fixed', parameters: { atomicSleep: true } } }));
    const r = await runMain(['replay', patched]);
    expect(r.code).toBe(0);
    // In the fix, the consumer's first step (seeing count 0) takes it straight to asleep.
    expect(r.stdout).toMatch(/diverged at step 1 \(consumer\)/);
  });

  test('--step N stops there and prints the whole global state', async () => {
    const r = await runMain(['replay', trace, '--step', '2']);
    expect(r.code).toBe(0);
    // Step 1: the consumer sees count 0 and heads for sleep; step 2: the producer stores the item.
    const state = r.stdout.slice(r.stdout.indexOf('global state'));
    expect(state).toMatch(/consumer\s+goingToSleep/);
    expect(state).toMatch(/producer\s+wake/);
    expect(state).toMatch(/count = 1/);
    expect(state).toMatch(/in flight: nothing/);
  });

  test('--format mermaid prints a sequence diagram with a lifeline per actor', async () => {
    const r = await runMain(['replay', trace, '--format', 'mermaid']);
    expect(r.code).toBe(0); // drawn (the verdict, reproduced, is on stderr)
    expect(r.stdout.trimStart().split('\n')[1].trim()).toBe('sequenceDiagram');
    expect(r.stdout).toMatch(/^\s*(participant|actor) consumer\b/m);
    expect(r.stdout).toMatch(/^\s*(participant|actor) producer\b/m);
  });

  test('--format markdown embeds the Mermaid diagram', async () => {
    const r = await runMain(['replay', trace, '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/```mermaid\s*\n%%\{init.*\n\s*sequenceDiagram/);
  });

  test('bad traces and bad arguments: exit 2 with one line', async () => {
    const truncated = path.join(tmp, 'truncated.json');
    writeFileSync(truncated, readFileSync(trace, 'utf8').slice(0, 40));
    const wrongVersion = path.join(tmp, 'wrong-version.json');
    writeFileSync(wrongVersion, JSON.stringify({ ...JSON.parse(readFileSync(trace, 'utf8')), format: 'vmbus-check-trace/999' }));
    const runs = await Promise.all([
      runMain(['replay', truncated]),
      runMain(['replay', wrongVersion]),
      runMain(['replay', path.join(tmp, 'missing.json')]),
      runMain(['replay', trace, '--step', '99']),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    }
    expect(runs[2].stderr).toMatch(/no such file/);
    expect(runs[3].stderr).toMatch(/--step 99/);
  });
});

describe('vmbus-check replay loads no model module a trace merely names', () => {
  // Importing a module runs its top-level code. A trace is data: the module it names is only shown, in
  // the message telling which --model to pass.
  const racyTrace = path.join(tmp, 'racy.json');
  const outside = mkdtempSync(path.join(tmpdir(), 'vmbus-check-outside-'));
  const traces = path.join(tmp, 'traces');

  /** A module outside both folders that leaves a marker file when its top-level code runs. */
  function hostileModule(name: string): { module: string; marker: string } {
    const marker = path.join(outside, `${name}.ran`);
    const module = path.join(outside, name);
    writeFileSync(module, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const system = {};\n`);
    return { module, marker };
  }

  /** The racy counter's trace, naming `module` instead, written into `dir`. */
  function traceNaming(module: string, dir: string, name: string): string {
    const t = JSON.parse(readFileSync(racyTrace, 'utf8'));
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify({ ...t, system: { ...t.system, module } }));
    return file;
  }

  beforeAll(async () => {
    mkdirSync(traces);
    const r = await runMain(['check', 'test/fixtures/racyCounter.ts', '--out', racyTrace, '--quiet']);
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(racyTrace, 'utf8')).system.module).toBe('test/fixtures/racyCounter.ts');
  });

  test.each([
    ['an absolute .mjs path', 'evil.mjs', (m: string) => m],
    ['a .ts module reached through ..', 'evil.ts', (m: string) => path.relative(traces, m)],
    ['a .ts link beside the trace to a module outside', 'linked.ts', (m: string) => {
      const link = path.join(traces, `link-to-${path.basename(m)}`);
      symlinkSync(m, link);
      return path.basename(link);
    }],
  ])('%s: refused before it is imported, exit 2 naming it and --model', async (_what, name, nameInTrace) => {
    const { module, marker } = hostileModule(name);
    const named = nameInTrace(module);
    const trace = traceNaming(named, traces, `${name}.trace.json`);
    const r = await runMain(['replay', trace]);
    expect(existsSync(marker), 'the module ran').toBe(false);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain(JSON.stringify(named));
    expect(r.stderr).toContain('--model <path>');
    expect(r.stdout).toBe('');
  });

  test('--model loads the module the user names, in place of the one the trace names', async () => {
    const { module, marker } = hostileModule('replaced.mjs');
    const trace = traceNaming(module, traces, 'replaced.trace.json');
    const r = await runMain(['replay', trace, '--model', path.join(repoRoot, 'test/fixtures/racyCounter.ts')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/reproduced: noLostUpdate/);
    expect(existsSync(marker)).toBe(false);
  });

  test('a module beside the trace is not loaded either', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-check-beside-'));
    const marker = path.join(dir, 'model.ran');
    writeFileSync(path.join(dir, 'model.ts'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport { system } from ${JSON.stringify(path.join(repoRoot, 'test/fixtures/racyCounter.ts'))};\n`);
    const r = await runMain(['replay', traceNaming('model.ts', dir, 'model.trace.json')]);
    expect(existsSync(marker), 'the module ran').toBe(false);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain('--model <path>');
  });
});

describe('vmbus-check compare', () => {
  test('lost-wakeup: the buggy counterexample becomes impossible at step 6 of the fix', async () => {
    const r = await runMain(['compare', 'lost-wakeup', '--variants', 'buggy,fixed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^lost-wakeup\s+buggy\s+violated\s+violated/m);
    expect(r.stdout).toMatch(/^lost-wakeup\s+fixed\s+verified\s+verified/m);
    // In the fix, the consumer that saw count 0 is already asleep at step 1, so the wakeup delivered at
    // step 4 wakes it; step 5 takes it to consume, where `run` is still enabled. The buggy run's step 6
    // (the watchdog timer) needs nothing else to be enabled: it is impossible.
    expect(r.stdout).toMatch(/fixed: impossible at step 6\b/);
  });

  test('peterson: the broken order of stores is impossible at step 6 of the correct one', async () => {
    const r = await runMain(['compare', 'peterson', '--variants', 'correct,broken']);
    expect(r.code).toBe(0);
    // Same 5 first steps in the correct variant: p0 sets flag0 (2 steps), p1 sets flag1 and turn := 0
    // (3 steps). At step 6 p1 waits: flag0 is true and turn is 0, so p1 cannot enter.
    expect(r.stdout).toMatch(/correct: impossible at step 6\b/);
  });

  test('a user scenario: still violated in a variant that did not fix anything; exit 1 for it', async () => {
    const r = await runMain(['compare', 'test/fixtures/counterScenario.ts', '--variants', 'racy,atomic,claimedSafe']);
    expect(r.code).toBe(1);
    // Atomic increments: after a and b each run once, both are done, so the racy run's step 3 is impossible.
    expect(r.stdout).toMatch(/atomic: impossible at step 3\b/);
    expect(r.stdout).toMatch(/claimedSafe: still violated: noLostUpdate at step 4\b/);
  });

  test('usage errors: exit 2 with one line', async () => {
    const runs = await Promise.all([
      runMain(['compare', 'peterson', '--variants', 'broken']),
      runMain(['compare', 'peterson', '--variants', 'broken,nonesuch']),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    }
    expect(runs[1].stderr).toMatch(/nonesuch/);
  });
});

test('list names every built-in scenario, variant and parameter', async () => {
  const r = await runMain(['list']);
  expect(r.code).toBe(0);
  for (const s of builtinScenarios) {
    expect(r.stdout).toMatch(new RegExp(`^${s.name}: ${s.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const v of s.variants) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${v.name}\\s+expected ${v.expected}`, 'm'));
      for (const [k, value] of Object.entries(v.parameters)) expect(r.stdout).toContain(`${k}=${value}`);
    }
  }
});
