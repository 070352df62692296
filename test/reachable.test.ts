// Reachability goals (`reachable`): a shortest witness for each goal reached, `unreached` (a failing
// verdict of its own) when the whole state space holds none, `bounded` when a bound was hit first.
import { describe, expect, test } from 'vitest';
import { Execution, explore, reachable } from '../checker/index.ts';
import { peterson } from '../models/examples/peterson.ts';
import { runMain } from './cliInProcess.ts';

const both = reachable((g) => g.actors.p0.matches('critical') && g.actors.p1.matches('critical'));

describe('reachable', () => {
  test('a goal reached: a shortest witness, which re-executes to a state satisfying it', () => {
    const r = explore({ ...peterson(), properties: { p0Enters: reachable((g) => g.actors.p0.matches('critical')) } });
    expect(r.verdict).toBe('verified');
    const [goal] = r.goals;
    expect(goal.reached).toBe(true);
    // p0 needs its four steps: leave idle, store flag0, store turn, pass the wait.
    expect(goal.steps!.map((s) => s.actor)).toEqual(['p0', 'p0', 'p0', 'p0']);
    const exec = new Execution(peterson());
    let v = exec.initial().state!;
    for (const s of goal.steps!) v = exec.apply(v, s)!.state!;
    expect(exec.materialize(v).actors.p0.value).toBe('critical');
  });

  test('both in the critical section: unreached in the correct protocol, reached in 8 steps in the broken one (its known shortest counterexample)', () => {
    const correct = explore({ ...peterson(), properties: { both } });
    expect(correct.verdict).toBe('unreached');
    expect(correct.goals).toEqual([{ property: 'both', reached: false, steps: null }]);
    const broken = explore({ ...peterson(true), properties: { both } });
    expect(broken.verdict).toBe('verified');
    expect(broken.goals[0].steps).toHaveLength(8);
  });

  test('a bound hit first: bounded, never unreached', () => {
    expect(explore({ ...peterson(), properties: { both } }, { maxStates: 5 }).verdict).toBe('bounded');
  });

  test('a goal that throws is a modelError', () => {
    const r = explore({ ...peterson(), properties: { bad: reachable(() => { throw new Error('boom'); }) } });
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toBe('reachability goal bad threw: boom');
  });

  test('the command: an unreached goal fails the check (exit 1) on its own line; json lists the goals', async () => {
    const text = await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--quiet']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/unreached\s.*UNREACHED/);
    expect(text.stdout).toContain('p0Enters reached after 4 steps');
    expect(text.stdout).toContain('bothEnter unreached: no reachable state satisfies it');
    const json = JSON.parse((await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--format', 'json', '--quiet'])).stdout.trim());
    expect([json.verdict, json.goals]).toEqual(['unreached', [{ property: 'p0Enters', reached: true, steps: 4 }, { property: 'bothEnter', reached: false, steps: null }]]);
    const junit = (await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--format', 'junit', '--quiet'])).stdout;
    expect(junit).toContain('message="unreached: bothEnter (no reachable state satisfies it)"');
  });

  test('a variant expected verified with a goal unreached is not as expected', async () => {
    const r = await runMain(['check', 'test/fixtures/unreachedGoalScenario.ts', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('vacuous/fixed: not as expected: expected verified, found unreached (bothEnter)');
  });
});
