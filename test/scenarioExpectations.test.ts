// A scenario states what each variant should conclude. A malformed expectation is refused when the
// scenario is defined; a verdict that is not as expected says, in every format, what was expected and
// what was found.
import { describe, expect, test } from 'vitest';
import { defineScenario, explore, ScenarioDefinitionError } from '../checker/index.ts';
import type { Scenario, Variant } from '../checker/index.ts';
import { githubAnnotations } from '../cli/formats/github.ts';
import { jsonReport } from '../cli/formats/json.ts';
import { junitReport } from '../cli/formats/junit.ts';
import { textReport } from '../cli/formats/textTable.ts';
import type { CheckRecord } from '../cli/runChecks.ts';
import { racyCounter } from './fixtures/racyCounter.ts';

const variant = (extra: Partial<Variant> = {}): Variant =>
  ({ name: 'racy', description: 'racy', expected: 'violated', parameters: {}, system: () => racyCounter(false), ...extra });
const scenario = (variants: unknown[]): Scenario => ({ name: 'counter', description: 'counter', variants: variants as Variant[] });

describe('defineScenario refuses a malformed scenario', () => {
  const cases: [string, Scenario, RegExp][] = [
    ['an expectedProperty that names no property', scenario([variant({ expectedProperty: 'noLostUpdates' })]), /variant racy: `expectedProperty` 'noLostUpdates' names no property of the system \(it has assertion, unhandledEvent, modelError, deadlock, queueOverflow, noLostUpdate\)/],
    ['an expected that is not a verdict', scenario([variant({ expected: 'bounded' as never })]), /variant racy: `expected` is "bounded", not a verdict/],
    ['a misspelt verdict', scenario([variant({ expected: 'violation' as never })]), /not a verdict \('violated' or 'verified'\)/],
    ['no variants', scenario([]), /scenario counter: has no variants/],
    ['a missing variants list', { name: 'counter', description: '' } as Scenario, /scenario counter: has no variants/],
    ['two variants with one name', scenario([variant(), variant({ expected: 'verified' })]), /scenario counter: two variants are named 'racy'/],
    ['an expectedProperty on a variant expected to be verified', scenario([variant({ expected: 'verified', expectedProperty: 'noLostUpdate' })]), /only a variant expected to be violated names a property/],
  ];
  for (const [what, s, message] of cases) {
    test(what, () => {
      expect(() => defineScenario(s)).toThrow(ScenarioDefinitionError);
      expect(() => defineScenario(s)).toThrow(message);
    });
  }

  test('a well-formed scenario, built-in properties included, is accepted', () => {
    expect(() => defineScenario(scenario([variant({ expectedProperty: 'noLostUpdate' }), variant({ name: 'b', expectedProperty: 'deadlock' })]))).not.toThrow();
  });
});

describe('a verdict not as expected says what was expected and what was found', () => {
  // The racy counter violates noLostUpdate; expected to violate deadlock instead.
  const system = racyCounter(false);
  const record: CheckRecord = {
    scenario: 'counter', variant: 'racy', parameters: {}, expected: 'violated', expectedProperty: 'deadlock',
    result: explore(system), system, source: { module: 'builtin', scenario: 'counter', variant: 'racy', parameters: {} },
  };
  const said = 'expected violated (deadlock), found violated (noLostUpdate)';

  test('text', () => {
    expect(textReport([record], true, [])).toContain(`counter/racy: not as expected: ${said}`);
  });

  test('json gets expectedProperty and asExpected', () => {
    const o = JSON.parse(jsonReport([record]));
    expect(o).toMatchObject({ verdict: 'violated', expected: 'violated', expectedProperty: 'deadlock', asExpected: false, property: 'noLostUpdate' });
  });

  test('json of a check as expected', () => {
    const o = JSON.parse(jsonReport([{ ...record, expectedProperty: 'noLostUpdate' }]));
    expect(o).toMatchObject({ expectedProperty: 'noLostUpdate', asExpected: true });
  });

  test('junit', () => {
    expect(junitReport([record], true)).toContain(`message="not as expected: ${said}: noLostUpdate violated:`);
  });

  test('github', () => {
    expect(githubAnnotations([record], true)).toContain(`::not as expected (${said}): `);
  });

  test('a verified variant expected to be violated', () => {
    const safe = racyCounter(true);
    const r: CheckRecord = { ...record, result: explore(safe), system: safe };
    const found = 'expected violated (deadlock), found verified';
    expect(textReport([r], true, [])).toContain(`not as expected: ${found}`);
    expect(junitReport([r], true)).toContain(`message="not as expected: ${found}"`);
    expect(githubAnnotations([r], true)).toContain(`::${found}`);
  });
});
