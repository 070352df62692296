// Coverage (`coverage: true`, `--coverage`): every state and transition of each machine's definition,
// with the number of distinct global states in which it was seen. Counts are checked against hand
// counts, and the state counts against an enumeration by the brute-force reference (test/reference/),
// which asks XState itself (`snapshot.matches`) which states each actor is in.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { explore, neverFired, transitionLabel } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { Reference } from './reference/bruteForce.ts';
import type { RefState } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { system as deadTransition } from './fixtures/deadTransition.ts';
import { runMain } from './cliInProcess.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UNREDUCED } from './support/unreduced.ts';

/** Per actor and state node path: the reachable global states in which the actor is in it (null: too big). */
function referenceStateCounts(def: SystemDefinition, stateNames: Record<string, string[]>, maxStates = 1_000): Map<string, number> | null {
  const ref = new Reference(def);
  const first = ref.initial();
  if (!('actors' in first)) return null;
  const seen = new Map<string, RefState>([[ref.key(first), first]]);
  const queue = [first];
  for (let i = 0; i < queue.length; i++) {
    for (const { outcome: next } of ref.enabled(queue[i]).flatMap((step) => ref.applyAll(queue[i], step))) {
      if (!('actors' in next)) continue;
      const key = ref.key(next);
      if (seen.has(key)) continue;
      if (seen.size >= maxStates) return null;
      seen.set(key, next);
      queue.push(next);
    }
  }
  const counts = new Map<string, number>();
  for (const [actor, names] of Object.entries(stateNames)) {
    for (const name of names) {
      const value = name.split('.').reduceRight<unknown>((inner, key) => (inner === null ? key : { [key]: inner }), null);
      counts.set(`${actor}:${name}`, queue.filter((g) => g.actors[actor].matches(value as never)).length);
    }
  }
  return counts;
}

describe('coverage of a model with dead transitions', () => {
  // The 6 states (worker, driver, in flight to worker): s0 (idle, start, []), s1 (idle, started, [go]),
  // s2 (busy, started, []), s3 (idle, done, [go, finish]), s4 (busy, done, [finish]), s5 (idle, done, []).
  // go is taken in s1 and s3, finish in s4; driver's run in s0 (start) and s1, s2 (started).
  const r = explore(deadTransition, { ...UNREDUCED, coverage: true });

  test('verified, with every state and transition of the definitions counted by hand', () => {
    expect([r.verdict, r.stats.states]).toEqual(['verified', 6]);
    const [worker, driver] = r.coverage!;
    expect(worker.states).toEqual([{ state: 'idle', globalStates: 4 }, { state: 'busy', globalStates: 2 }, { state: 'broken', globalStates: 0 }]);
    expect(worker.transitions.map((t) => [transitionLabel(t), t.globalStates])).toEqual([
      ['idle --go [never]--> broken', 0],
      ['idle --go [#2]--> busy', 2],
      ['busy --finish--> idle', 1],
      ['busy --abort--> broken', 0],
    ]);
    expect(driver.states.map((s) => [s.state, s.globalStates])).toEqual([['start', 1], ['started', 2], ['done', 3]]);
    expect(driver.transitions.map((t) => [transitionLabel(t), t.globalStates])).toEqual([['start --run--> started', 1], ['started --run--> done', 2]]);
    expect(neverFired(r.coverage!).map((n) => `${n.actor}: ${transitionLabel(n.transition)}`)).toEqual(['worker: idle --go [never]--> broken', 'worker: busy --abort--> broken']);
  });

  test('the state counts agree with the reference enumeration', () => {
    const names = Object.fromEntries(r.coverage!.map((a) => [a.actor, a.states.map((s) => s.state)]));
    const ref = referenceStateCounts(deadTransition, names)!;
    for (const a of r.coverage!) for (const s of a.states) expect(s.globalStates, `${a.actor}:${s.state}`).toBe(ref.get(`${a.actor}:${s.state}`));
  });

  test('off by default: no coverage, the same exploration', () => {
    const plain = explore(deadTransition, UNREDUCED);
    expect(plain.coverage).toBeUndefined();
    expect([plain.stats.states, plain.stats.transitions]).toEqual([r.stats.states, r.stats.transitions]);
  });
});

describe('coverage of random systems', () => {
  test('state counts agree with the reference; no transition is counted in more global states than there are', () => {
    let compared = 0;
    fc.assert(
      fc.property(systemDataArb, (data) => {
        const system = buildSystem(data);
        const r = explore(system, { ...UNREDUCED, allViolations: true, coverage: true });
        if (r.bounds.length > 0) return;
        const names = Object.fromEntries(r.coverage!.map((a) => [a.actor, a.states.map((s) => s.state)]));
        const ref = referenceStateCounts(system, names);
        if (ref === null) return;
        compared++;
        for (const a of r.coverage!) {
          for (const s of a.states) expect(s.globalStates, `${a.actor}:${s.state}`).toBe(ref.get(`${a.actor}:${s.state}`));
          // A transition can fire in more global states than its source state appears in: a reply (or a
          // raised event) is handled inside the step that began where the actor was still elsewhere.
          for (const t of a.transitions) expect(t.globalStates).toBeLessThanOrEqual(r.stats.states);
        }
        expect(r.stats.states).toBe(Math.max(...r.coverage!.map((a) => a.states.filter((s) => !s.state.includes('.')).reduce((n, s) => n + s.globalStates, 0))));
      }),
      { numRuns: 25, seed: 11 },
    );
    expect(compared).toBeGreaterThan(12);
  });
});

describe('--coverage on the command line', () => {
  const model = 'test/fixtures/deadTransition.ts';
  const warnings = [
    "dead-transition: verified, but worker's transition idle --go [never]--> broken never fired",
    "dead-transition: verified, but worker's transition busy --abort--> broken never fired",
  ];

  test('text: the tables, then a warning naming each transition a verified check never fired (exit 0)', async () => {
    const r = await runMain(['check', model, '--coverage', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  worker: 2 of 3 states, 2 of 4 transitions\n');
    expect(r.stdout).toMatch(/^worker  broken\s+0  never reached$/m);
    expect(r.stdout).toMatch(/^worker  idle --go \[#2\]--> busy\s+2$/m);
    expect(r.stdout).toContain(warnings.map((w) => `warning: ${w}\n`).join(''));
    const plain = await runMain(['check', model, '--quiet']);
    expect(plain.stdout).not.toMatch(/coverage|warning/);
  });

  test('json, junit, github (with the job summary), sarif', async () => {
    const json = JSON.parse((await runMain(['check', model, '--coverage', '--format', 'json', '--quiet'])).stdout);
    expect(json.coverage).toEqual(explore(deadTransition, { ...UNREDUCED, coverage: true }).coverage);
    expect(json.coverageWarnings).toEqual(warnings);
    const junit = (await runMain(['check', model, '--coverage', '--format', 'junit', '--quiet'])).stdout;
    expect(junit).toMatch(/<system-out>coverage of dead-transition [^<]*warning: dead-transition: verified, but worker&apos;s transition busy --abort--&gt; broken never fired<\/system-out>/);
    const dir = mkdtempSync(path.join(tmpdir(), 'coverage-'));
    try {
      const summary = path.join(dir, 'summary.md');
      const github = await runMain(['check', model, '--coverage', '--format', 'github', '--quiet'], { env: { GITHUB_STEP_SUMMARY: summary } });
      expect(github.stdout).toMatch(/^::notice file=test\/fixtures\/deadTransition\.ts,line=\d+,title=vmbus-check%3A coverage of dead-transition::worker: 2 of 3 states, 2 of 4 transitions; driver: 3 of 3 states, 2 of 2 transitions$/m);
      expect(github.stdout.match(/^::warning .*title=vmbus-check%3A transition never fired in dead-transition::.*$/gm)).toHaveLength(2);
      const md = readFileSync(summary, 'utf8');
      expect(md).toContain('### Coverage\n\n' + warnings.map((w) => `- ⚠️ ${w}`).join('\n'));
      expect(md).toContain('| worker | `busy --abort--> broken` | ⚠️ 0 |');
      expect(md).toContain('| driver | state `done` | 3 |');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sarif = JSON.parse((await runMain(['check', model, '--coverage', '--format', 'sarif', '--quiet'])).stdout);
    const results = sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'transitionNeverFired');
    expect(results.map((x: { message: { text: string } }) => x.message.text)).toEqual(warnings);
    // Each at its state's definition: `idle: {` and `busy: {` in the fixture.
    const lines = readFileSync(model, 'utf8').split('\n');
    expect(results.map((x: any) => lines[x.locations[0].physicalLocation.region.startLine - 1].trim().split(':')[0])).toEqual(['idle', 'busy']);
    expect(sarif.runs[0].properties.coverage[0].check).toBe('dead-transition');
  });

  test('a built-in (lost-wakeup/fixed): the fix never enters goingToSleep, and its watchdog never fires', async () => {
    const r = JSON.parse((await runMain(['check', 'lost-wakeup', '--variant', 'fixed', '--coverage', '--format', 'json', '--quiet'])).stdout);
    expect(r.verdict).toBe('verified');
    // goingToSleep is the buggy variant's window between the check and the sleep; the fixed consumer
    // sleeps in the same step as its check. A verified run never stalls asleep, so `after 1000` never fires.
    expect(r.coverageWarnings).toEqual([
      "lost-wakeup/fixed: verified, but consumer's transition goingToSleep --run--> asleep never fired",
      "lost-wakeup/fixed: verified, but consumer's transition goingToSleep --wakeup--> (no target) never fired",
      "lost-wakeup/fixed: verified, but consumer's transition asleep --after 1000--> gaveUp never fired",
    ]);
    // Every global state has each actor in exactly one of its (flat) states.
    for (const a of r.coverage) expect(a.states.reduce((n: number, s: { globalStates: number }) => n + s.globalStates, 0)).toBe(r.stats.states);
  });

  test('--coverage with --random is a usage error', async () => {
    const r = await runMain(['check', model, '--coverage', '--random', '5', '--quiet']);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'vmbus-check: --coverage needs the exhaustive search: it cannot be combined with --random\n']);
  });
});
