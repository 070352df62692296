// Settable parameters: a variant declares them (type, default, range), `system(params)` receives them,
// `--param name=value` sets them, reports and traces record the values used, and replay rebuilds the
// system with them. The fixture's racy counter loses an update with two or more workers and cannot with
// one, which is what makes a value that was silently ignored visible here.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { defineScenario, defineVariant, param, resolveParameters, validateScenario } from '../checker/index.ts';
import type { Scenario } from '../checker/index.ts';
import { parseTrace } from '../traces/index.ts';
import { runMain, usageErrorTests } from './cliInProcess.ts';
import { scenario } from './fixtures/paramScenario.ts';
import { racyCounter } from './fixtures/racyCounter.ts';

const model = 'test/fixtures/paramScenario.ts';
const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
const actorsOf = (v: { system: () => { actors: object } }) => Object.keys(v.system().actors);

describe('declaring parameters', () => {
  test('system() builds with the defaults, system(values) with the values given; parameters list the defaults', () => {
    const racy = scenario.variant('racy');
    expect(actorsOf(racy)).toEqual(['worker[0]', 'worker[1]']);
    expect(Object.keys(racy.system({ workers: 3 }).actors)).toHaveLength(3);
    expect(racy.parameters).toEqual({ workers: 2, atomic: false });
  });

  test('values are checked against their declarations', () => {
    const d = { n: param.integer(2, { min: 1, max: 4 }), on: param.boolean(false), eom: param.oneOf(['cmpxchg', 'store'], 'cmpxchg'), r: param.number(0.5) };
    expect(resolveParameters(d, { n: '3', on: 'true', eom: 'store', r: '1e-3' }, 'text')).toEqual({ n: 3, on: true, eom: 'store', r: 0.001 });
    expect(resolveParameters(d, {}, 'data')).toEqual({ n: 2, on: false, eom: 'cmpxchg', r: 0.5 });
    expect(() => resolveParameters(d, { n: '2.5' }, 'text')).toThrow('parameter n is an integer from 1 to 4, not 2.5');
    expect(() => resolveParameters(d, { n: 0 }, 'data')).toThrow('not 0');
    expect(() => resolveParameters(d, { n: '3' }, 'data')).toThrow('not "3"');
    expect(() => resolveParameters(d, { on: 'yes' }, 'text')).toThrow('parameter on is true or false, not "yes"');
    expect(() => resolveParameters(d, { eom: 'mb' }, 'text')).toThrow('parameter eom is one of cmpxchg, store, not "mb"');
    expect(() => resolveParameters(d, { vcpus: '1' }, 'text')).toThrow("no parameter 'vcpus' (its parameters: n, on, eom, r)");
    expect(() => resolveParameters(undefined, { vcpus: '1' }, 'text')).toThrow("no parameter 'vcpus' (it takes no parameters)");
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a default out of its range', { params: { n: param.integer(9, { max: 4 }) } }, /parameter n: its default 9 is not an integer of at most 4/],
    ['an undeclared kind', { params: { n: { type: 'list', default: [] } } }, /parameter n: declare it with param\.integer/],
    ['a name that is no identifier', { params: { 'n-1': param.integer(1) } }, /parameter name "n-1" is not an identifier/],
    ['a parameter whose listed value is not its default', { parameters: { n: 3 }, params: { n: param.integer(2) } }, /parameter n is 3 in `parameters` but defaults to 2 in `params`/],
  ];
  for (const [what, fields, message] of bad) {
    test(`a scenario is refused for ${what}`, () => {
      const s = { name: 's', description: '', variants: [{ name: 'v', description: '', expected: 'verified', parameters: {}, system: () => racyCounter(true), ...fields }] } as unknown as Scenario;
      expect(() => validateScenario(s)).toThrow(message);
      expect(() => defineScenario(s)).toThrow(message);
    });
  }

  test('defineVariant types system()\'s argument by the declarations', () => {
    const v = defineVariant({
      name: 'v', description: '', expected: 'verified', params: { workers: param.integer(1), mode: param.oneOf(['a', 'b'], 'a') },
      system: (p) => {
        const n: number = p.workers;
        const m: 'a' | 'b' = p.mode;
        // @ts-expect-error: a parameter that is not declared is a type error
        void p.nope;
        // @ts-expect-error: and so is a value of another type
        const wrong: string = p.workers;
        return racyCounter(n === 1 && m === 'a' && wrong !== '');
      },
    });
    expect(v.parameters).toEqual({ workers: 1, mode: 'a' });
  });
});

describe('--param on the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-param-'));

  test('re-instantiates every variant checked, and the JSON report records the values', async () => {
    const two = jsonLines((await runMain(['check', model, '--quiet', '--format', 'json'])).stdout);
    const r = await runMain(['check', model, '--quiet', '--format', 'json', '--param', 'workers=3']);
    expect(r.code).toBe(0);
    const three = jsonLines(r.stdout);
    expect(three.map((x) => x.parameters)).toEqual([{ workers: 3, atomic: false }, { workers: 3, atomic: true }]);
    expect(three[0].message).toBe('count is 2 after 3 increments');
    expect(three[1].stats.states).toBeGreaterThan(two[1].stats.states);
  });

  test('one worker cannot lose an update: the racy variant, judged on its own, is verified', async () => {
    const r = await runMain(['check', model, '--variant', 'racy', '--param', 'workers=1', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^counters\s+racy\s+verified\s+violated\s/m);
    // The table does not show parameters: the text report says first which were set.
    expect(r.stdout.split('\n')[0]).toBe('parameters set: workers=1: counters/racy');
  });

  test('the trace records the values, and replay rebuilds the system with them, also against another variant', async () => {
    const out = path.join(dir, 'racy3.json');
    expect((await runMain(['check', model, '--variant', 'racy', '--param', 'workers=3', '--quiet', '--out', out])).code).toBe(1);
    const trace = parseTrace(readFileSync(out, 'utf8'));
    expect(trace.system.parameters).toEqual({ workers: 3, atomic: false });
    expect(Object.keys(trace.initial.actors)).toHaveLength(3);
    const replay = await runMain(['replay', out, '--model', model]);
    expect(replay.stdout).toMatch(/reproduced: noLostUpdate violated after 6 steps: count is 2 after 3 increments/);
    const fixed = await runMain(['replay', out, '--model', model, '--variant', 'atomic']);
    expect(fixed.code).toBe(0);
    // Three workers in the atomic system too: the recorded step 1 is there, and it is the store that diverges.
    expect(fixed.stdout).toMatch(/diverged at step 1 \(worker\[0\]\)/);
  });

  test('in the search thread too (it rebuilds the system from the source it is sent)', async () => {
    const r = await runMain(['check', model, '--variant', 'racy', '--param', 'workers=3', '--quiet', '--format', 'json'], { searchThread: true });
    expect(jsonLines(r.stdout)[0]).toMatchObject({ message: 'count is 2 after 3 increments', parameters: { workers: 3 } });
  });

  test('compare sets them on every variant it compares', async () => {
    const r = await runMain(['compare', model, '--variants', 'racy,atomic', '--param', 'workers=3', '--quiet']);
    expect(r.stdout).toMatch(/noLostUpdate violated after 6 steps: count is 2 after 3 increments/);
    expect(r.stdout).toMatch(/enabled there: worker\[1\] spontaneous run; worker\[2\] spontaneous run/);
  });

  test('list shows what each parameter takes', async () => {
    const r = await runMain(['list', model]);
    expect(r.stdout).toContain('--param workers=...: an integer from 1 to 4, default 2: how many workers increment the counter');
  });

  usageErrorTests([
    ['an unknown parameter', ['check', model, '--param', 'workrs=3'], /^vmbus-check: scenario counters, variant racy: no parameter 'workrs' \(its parameters: workers\)$/m],
    ['a value of the wrong type', ['check', model, '--param', 'workers=many'], /parameter workers is an integer from 1 to 4, not "many"/],
    ['a value out of range', ['check', model, '--param', 'workers=5'], /parameter workers is an integer from 1 to 4, not 5/],
    ['no value', ['check', model, '--param', 'workers'], /--param takes name=value/],
    ['a parameter set twice', ['check', model, '--param', 'workers=1', '--param', 'workers=2'], /--param sets workers twice/],
    ['a parameter of a built-in scenario that declares none', ['check', 'lost-wakeup', '--param', 'vcpus=3'], /scenario lost-wakeup, variant \S+: no parameter 'vcpus' \(it takes no parameters\)/],
    ['a parameter for a plain system', ['check', 'test/fixtures/racyCounter.ts', '--param', 'workers=3'], /is a single system, not a scenario variant: it takes no parameters/],
  ]);
});
