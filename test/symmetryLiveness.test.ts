// Symmetry reduction with liveness properties (checker/symmetryCover.ts): on random symmetric systems
// (test/reference/randomSymmetricSystem.ts) with liveness properties that treat the members alike and
// ones that single out m[0], under every kind of fairness (strong fairness for one member's actor
// included), the reduced search gives the unreduced search's and the brute-force reference's verdicts
// and violated properties, every lasso it reports re-executes as a fair run (referenceLassoCheck), and
// the cover it judges them on has exactly the unreduced search's states.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { setup } from 'xstate';
import { alwaysEventually, defineSystem, eventually, explore, leadsTo, symmetryGroup } from '../checker/index.ts';
import type { CheckResult, Fairness, GlobalView, MemoryModelName, SystemDefinition } from '../checker/index.ts';
import { referenceLassoCheck, referenceLiveness } from './reference/bruteForce.ts';
import { buildSymmetricSystem, memberName, ownCell, symmetricDataArb } from './reference/randomSymmetricSystem.ts';
import type { SymmetricData } from './reference/randomSymmetricSystem.ts';
import { UNREDUCED } from './support/unreduced.ts';
import { scenario as symmetricMutex } from './fixtures/symmetricMutex.ts';

/** Who a predicate looks at: some member (symmetric), every member (symmetric), or m[0] alone. */
type Predicate =
  | { k: 'someIn' | 'allIn' | 'firstIn'; state: number }
  | { k: 'shared' | 'firstOwn'; value: number }
  | { k: 'true' };

const predicateArb = (states: number): fc.Arbitrary<Predicate> => fc.oneof(
  fc.record({ k: fc.constantFrom('someIn' as const, 'allIn' as const, 'firstIn' as const), state: fc.nat(states - 1) }),
  fc.record({ k: fc.constantFrom('shared' as const, 'firstOwn' as const), value: fc.nat(2) }),
  fc.constant({ k: 'true' as const }),
);

const fairnessArb = (members: number): fc.Arbitrary<Fairness> => fc.constantFrom<Fairness>(
  'none', 'weak', 'weak', { strong: ['hub'] }, { strong: [memberName(0)] },
  { strong: [{ actor: memberName(members - 1), event: 'tick' }] }, { strong: Array.from({ length: members }, (_, i) => memberName(i)) },
);

function holds(p: Predicate, g: GlobalView, members: number): boolean {
  const names = Array.from({ length: members }, (_, i) => memberName(i));
  switch (p.k) {
    case 'true': return true;
    case 'someIn': return names.some((n) => g.actors[n].matches(`s${p.state}`));
    case 'allIn': return names.every((n) => g.actors[n].matches(`s${p.state}`));
    case 'firstIn': return g.actors[memberName(0)].matches(`s${p.state}`);
    case 'shared': return g.cells.s === p.value;
    case 'firstOwn': return g.cells[ownCell(0)] === p.value;
  }
}

interface Case { data: SymmetricData; fairness: Fairness; predicates: Predicate[]; always: boolean }

const caseArb: fc.Arbitrary<Case> = symmetricDataArb.chain((data) => fc.record({
  // Timers are maximal progress's: no member has one, the hub may.
  data: fc.constant({ ...data, crowd: null, stall: null }),
  fairness: fairnessArb(data.members),
  predicates: fc.array(predicateArb(data.member.states.length), { minLength: 3, maxLength: 3 }),
  always: fc.boolean(),
}));

function withLiveness({ data, fairness, predicates: [p, q, r], always }: Case): SystemDefinition {
  const base = buildSymmetricSystem(data);
  const k = data.members;
  return {
    ...base,
    fairness,
    properties: {
      ...base.properties,
      served: leadsTo((g) => holds(p, g, k), (g) => holds(q, g, k)),
      progress: always ? alwaysEventually((g) => holds(r, g, k)) : eventually((g) => holds(r, g, k)),
    },
  };
}

const violated = (r: CheckResult) => new Set(r.violations.map((v) => v.property));
const runs: [MemoryModelName, number][] = [['sc', 150], ['tso', 50], ['arm', 10]];

describe('symmetry reduction with liveness properties, on random symmetric systems', () => {
  for (const [memory, numRuns] of runs) {
    test(`${memory}: the unreduced search's and the reference's verdicts, lassos that replay as fair runs`, () => {
      const seen = { compared: 0, violated: 0, reduced: 0, lassos: 0 };
      fc.assert(
        fc.property(caseArb, (c) => {
          const system = { ...withLiveness(c), memory };
          const off = explore(system, { ...UNREDUCED, allViolations: true });
          const on = explore(system, { ...UNREDUCED, allViolations: true, symmetry: true });
          expect(on.stats.symmetry?.applied).toBe(true);
          expect(on.verdict).toBe(off.verdict);
          expect(violated(on)).toEqual(violated(off));
          // The cover has a node per concrete state reachable (its stabiliser cosets merged): the unreduced count.
          if (memory !== 'arm' && on.stats.states > 0) expect(on.stats.symmetry!.cover).toBe(off.stats.states);
          for (const v of on.violations) {
            if (v.property !== 'served' && v.property !== 'progress') continue;
            // Under arm the reference may take the cycle more than once before it returns (its states
            // keep writes and views the explorer's forget); referenceLassoCheck does.
            expect(referenceLassoCheck(system, v.property, v.steps, v.cycleStart ?? null)).toBeNull();
            if (v.cycleStart !== null) seen.lassos++;
          }
          const ref = referenceLiveness(system, 1_500);
          if (ref !== null && !ref.bounded && off.bounds.length === 0) {
            seen.compared++;
            const live = new Set([...violated(on)].filter((n) => n === 'served' || n === 'progress'));
            expect(live).toEqual(ref.violated);
          }
          if (violated(on).has('served') || violated(on).has('progress')) seen.violated++;
          if (on.stats.states < off.stats.states) seen.reduced++;
        }),
        { numRuns, seed: { sc: 21, tso: 22, arm: 23 }[memory] },
      );
      // Agreement means little unless the systems are reduced and the properties fail on some of them.
      expect(seen.compared).toBeGreaterThan(numRuns * 0.5);
      expect(seen.violated).toBeGreaterThan(numRuns * 0.2);
      expect(seen.violated).toBeLessThan(numRuns * 0.9);
      expect(seen.lassos).toBeGreaterThan(numRuns * 0.1);
      // Under arm the write history keeps members' writes in orders the reduction does not merge.
      expect(seen.reduced).toBeGreaterThan(numRuns * (memory === 'arm' ? 0.4 : 0.5));
    });
  }
});

// Two cases a review found (issue #12).
describe('symmetry with liveness: review cases', () => {
  test('a bound leaves orbits stored but not expanded: the part explored is still judged, bounded or violated', () => {
    for (const v of symmetricMutex.variants) {
      const system = v.system();
      for (const bound of [{ maxStates: 5 }, { maxStates: 6 }, { maxDepth: 2 }]) {
        const on = explore(system, bound);
        expect(on.stats.symmetry?.applied).toBe(true);
        expect(on.verdict).not.toBe('verified');
        for (const x of on.violations) expect(referenceLassoCheck(system, x.property, x.steps, x.cycleStart ?? null)).toBeNull();
      }
    }
  });

  test("a lasso's steps are the cover's own, where two events of one actor reach the same state", () => {
    // tick and tock both loop; strong fairness for m[1]'s tick makes a cycle fair only if it takes tick, not tock.
    const m = setup({}).createMachine({ initial: 'a', states: { a: { on: { tock: 'a', tick: 'a', go: 'b' } }, b: { on: { tock: 'b', tick: 'b', go: 'a' } } } });
    const names = ['m[0]', 'm[1]'];
    const system = defineSystem({
      name: 'tick-tock',
      actors: Object.fromEntries(names.map((n) => [n, { machine: m, spontaneous: [{ type: 'tock' }, { type: 'tick' }, { type: 'go' }] }])),
      fairness: { strong: [{ actor: 'm[1]', event: 'tick' }] },
      properties: { never: alwaysEventually(() => false) },
      symmetry: [symmetryGroup(2, (i) => [names[i]])],
    });
    const on = explore(system);
    expect(on.stats.symmetry?.applied).toBe(true);
    expect(on.violations.map((v) => v.property)).toEqual(['never']);
    const [v] = on.violations;
    expect(referenceLassoCheck(system, 'never', v.steps, v.cycleStart ?? null)).toBeNull();
  });
});
