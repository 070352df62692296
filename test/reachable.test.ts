// Reachability goals (`reachable`): a shortest witness for each goal reached, `unreached` (a failing
// verdict of its own) when the whole state space holds none, `bounded` when a bound was hit first.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Execution, explore, reachable } from '../checker/index.ts';
import { buildWitnessTrace, describeReplay, parseTrace, renderMarkdown, renderTimeline, replayTrace, serializeTrace } from '../traces/index.ts';
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
    expect([json.verdict, json.goals]).toEqual(['unreached', [{ property: 'p0Enters', reached: true, steps: 4, witness: null }, { property: 'bothEnter', reached: false, steps: null, witness: null }]]);
    const junit = (await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--format', 'junit', '--quiet'])).stdout;
    expect(junit).toContain('message="unreached: bothEnter (no reachable state satisfies it)"');
  });

  test('a variant expected verified with a goal unreached is not as expected', async () => {
    const r = await runMain(['check', 'test/fixtures/unreachedGoalScenario.ts', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('vacuous/fixed: not as expected: expected verified, found unreached (bothEnter)');
  });
});

describe('witness traces (--witnesses)', () => {
  const p0Enters = { ...peterson(), properties: { p0Enters: reachable((g) => g.actors.p0.matches('critical')) } };
  const source = { module: 'test', parameters: {} };

  test('the library: a witness trace replays to a state where the goal holds; cut short, it no longer does', () => {
    const goal = explore(p0Enters).goals[0];
    const trace = buildWitnessTrace(p0Enters, source, goal);
    expect([trace.kind, trace.property, trace.steps.length]).toEqual(['witness', 'p0Enters', 4]);
    const replayed = replayTrace(p0Enters, trace);
    expect(replayed.status).toBe('reproduced');
    expect(describeReplay(replayed, trace)).toBe('reproduced: after 4 steps the goal p0Enters holds');
    // p0 needs all 4 of its steps to enter (the shortest witness): 3 of them end outside the goal.
    const short = { ...trace, steps: trace.steps.slice(0, 3) };
    const cut = replayTrace(p0Enters, short);
    expect(cut.status).toBe('diverged');
    expect(cut.divergence!.reason).toBe('the run no longer reaches the goal p0Enters');
    // The file round-trips through the schema, `kind` included.
    expect(parseTrace(serializeTrace(trace))).toEqual(trace);
    expect(renderTimeline(trace)).toMatch(/^peterson: goal p0Enters reached after 4 steps\n[\s\S]*\n=  p0Enters: the goal holds after step 4\n$/);
    expect(renderMarkdown(trace)).toMatch(/^# Witness: p0Enters in peterson\n\n- \*\*Reached:\*\* `p0Enters`/);
    expect(() => buildWitnessTrace(p0Enters, source, { property: 'x', reached: false, steps: null })).toThrow(/has no witness/);
  });

  test('the command writes one witness per goal reached, replayable: exit 0 while reached, 1 once not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'witnesses-'));
    try {
      const r = await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--witnesses', path.join(dir, 'w'), '--quiet']);
      const file = path.join(dir, 'w', 'peterson.p0Enters.witness.json');
      expect(r.stdout).toContain(`p0Enters reached after 4 steps (witness written to ${file})`);
      expect(readdirSync(path.join(dir, 'w'))).toEqual(['peterson.p0Enters.witness.json']);
      const json = JSON.parse((await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--witnesses', path.join(dir, 'w'), '--format', 'json', '--quiet'])).stdout.trim());
      expect(json.goals).toEqual([{ property: 'p0Enters', reached: true, steps: 4, witness: file }, { property: 'bothEnter', reached: false, steps: null, witness: null }]);
      const replay = await runMain(['replay', file, '--model', 'test/fixtures/unreachedGoal.ts']);
      expect([replay.code, replay.stdout]).toEqual([0, expect.stringContaining('reproduced: the goal p0Enters is reached after 4 steps\n')]);
      const trace = JSON.parse(readFileSync(file, 'utf8'));
      const cut = path.join(dir, 'cut.json');
      writeFileSync(cut, JSON.stringify({ ...trace, steps: trace.steps.slice(0, 3) }));
      const diverged = await runMain(['replay', cut, '--model', 'test/fixtures/unreachedGoal.ts']);
      expect([diverged.code, diverged.stdout]).toEqual([1, expect.stringContaining('diverged at step 3 (p0): the run no longer reaches the goal p0Enters')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a built-in fixed variant: its goal\'s witness replays against the built-in model', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'witnesses-'));
    try {
      const r = await runMain(['check', 'lost-wakeup', '--variant', 'fixed', '--witnesses', dir, '--quiet']);
      expect(r.code).toBe(0);
      const file = path.join(dir, 'lost-wakeup.fixed.wakeupWhileAsleep.witness.json');
      expect(r.stdout).toMatch(new RegExp(`wakeupWhileAsleep reached after \\d+ steps \\(witness written to ${file.replace(/[.\\/]/g, '\\$&')}\\)`));
      const replay = await runMain(['replay', file]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toMatch(/reproduced: the goal wakeupWhileAsleep is reached after \d+ steps/);
      const html = await runMain(['replay', file, '--format', 'html']);
      expect(html.stdout).toContain('<h1>Witness: <code>wakeupWhileAsleep</code>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the job summary lists every goal with its witness; all reached, folded', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'witnesses-'));
    try {
      const summary = path.join(dir, 'summary.md');
      await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--witnesses', dir, '--format', 'github', '--quiet'], { env: { GITHUB_STEP_SUMMARY: summary } });
      const md = readFileSync(summary, 'utf8');
      expect(md).toContain([
        '### Reachability goals', '', '| check | goal | reached | witness |', '| --- | --- | --- | --- |',
        `| peterson | p0Enters | ✅ after 4 steps | \`${path.join(dir, 'peterson.p0Enters.witness.json')}\` |`,
        '| peterson | bothEnter | ❌ unreached | - |',
      ].join('\n'));
      rmSync(summary);
      await runMain(['check', 'lost-wakeup', '--variant', 'fixed', '--format', 'github', '--quiet'], { env: { GITHUB_STEP_SUMMARY: summary } });
      expect(readFileSync(summary, 'utf8')).toMatch(/<details>\n<summary>Reachability goals: all 1 reached<\/summary>\n\n\| check \| goal \| reached \| witness \|\n\| --- \| --- \| --- \| --- \|\n\| lost-wakeup\/fixed \| wakeupWhileAsleep \| ✅ after 3 steps \| - \|\n\n<\/details>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--witnesses naming a file is a usage error before the search', async () => {
    const r = await runMain(['check', 'test/fixtures/unreachedGoal.ts', '--witnesses', 'package.json', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vmbus-check: cannot write the trace to .*package\.json.*is not a folder\n$/);
  });
});
