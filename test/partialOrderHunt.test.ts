// Partial-order reduction (checker/partialOrder.ts) against the unreduced search and the brute-force
// reference on random systems with more of what the checker judges than test/partialOrder.test.ts
// covers: reachability goals (witnessed goals stop making steps visible), invariants over in-flight
// queues and contexts, several invariants at once, an independent counter and an invisible spinner
// beside the system (the ignoring problem), depth bounds and the compact store.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assign, createMachine, setup } from 'xstate';
import { explore, invariant, reachable, write } from '../checker/index.ts';
import type { CheckResult, GlobalView, Property, SystemDefinition } from '../checker/index.ts';
import { bruteForce } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import type { SystemData } from './reference/randomSystem.ts';
import { replayViolation } from './reference/replay.ts';

type Extra =
  | { k: 'goalState'; actor: number; state: number }
  | { k: 'goalCell'; value: number }
  | { k: 'goalQueue'; actor: number; len: number }
  | { k: 'invQueue'; actor: number; len: number }
  | { k: 'invCtx'; actor: number; value: number }
  | { k: 'invAside'; value: number };

interface HuntData {
  data: SystemData;
  extras: Extra[];
  aside: 'none' | 'counter' | 'spinner' | 'both';
}

const extraArb = (actors: number): fc.Arbitrary<Extra> => fc.oneof(
  fc.record({ k: fc.constant('goalState' as const), actor: fc.nat(actors - 1), state: fc.nat(4) }),
  fc.record({ k: fc.constant('goalCell' as const), value: fc.nat(2) }),
  fc.record({ k: fc.constant('goalQueue' as const), actor: fc.nat(actors - 1), len: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ k: fc.constant('invQueue' as const), actor: fc.nat(actors - 1), len: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('invCtx' as const), actor: fc.nat(actors - 1), value: fc.nat(2) }),
  fc.record({ k: fc.constant('invAside' as const), value: fc.integer({ min: 1, max: 3 }) }),
);

/**
 * A system with its model bugs taken out (no fail(), throws, error states, stray messages, deadlock or
 * stall judgements): the invariants and goals are then what decides, and most runs end `verified` or
 * `unreached`, where a reduction that loses a state would show.
 */
function clean(data: SystemData): SystemData {
  const bug = new Set(['fail', 'throw', 'postUnknown', 'raiseUnhandled']);
  const actions = (as: any[]) => as.filter((a) => !bug.has(a.k));
  return {
    ...data, deadlock: false, stall: null, onQueueFull: 'bound',
    actors: data.actors.map((a) => ({
      ...a,
      states: a.states.map((s) => ({
        ...s, kind: s.kind === 'error' ? 'plain' : s.kind, entry: actions(s.entry), ignoreOtherMessages: true,
        on: s.on.map((t) => ({ ...t, guard: t.guard?.k === 'throw' ? null : t.guard, actions: actions(t.actions) })),
        after: s.after && { ...s.after, actions: actions(s.after.actions) },
      })),
    })),
  };
}

const huntArb = (cleaned: boolean): fc.Arbitrary<HuntData> => systemDataArb.map((d) => (cleaned ? clean(d) : d)).chain((data) => fc.record({
  data: fc.constant(data),
  extras: fc.array(extraArb(data.actors.length), { maxLength: 3 }),
  aside: fc.constantFrom('none' as const, 'counter' as const, 'spinner' as const, 'both' as const),
}));

/** Counts z up to 3, one step at a time, touching nothing else. */
const counter = setup({ types: {} as { context: { n: number } } }).createMachine({
  id: 'aside', context: { n: 0 }, initial: 'run',
  states: {
    run: {
      on: {
        tick: [
          { guard: ({ context }) => context.n < 2, actions: [assign({ n: ({ context }) => context.n + 1 }), write('z', ({ context }) => context.n + 1)] },
          { target: 'done', actions: write('z', 3) },
        ],
      },
    },
    done: { type: 'final' },
  },
});
/** Loops forever touching nothing: an invisible cycle. */
const spinner = createMachine({ id: 'spin', initial: 'a', states: { a: { on: { go: 'b' } }, b: { on: { go: 'a' } } } });


function huntSystem(h: HuntData): { system: SystemDefinition; raw: Record<string, (g: GlobalView) => boolean> } {
  const base = buildSystem(h.data);
  const a = (i: number) => `a${i}`;
  const properties: Record<string, Property> = {};
  const raw: Record<string, (g: GlobalView) => boolean> = {};
  const inv = h.data.invariant;
  if (inv) {
    const p = base.properties!.generatedInvariant as any;
    properties.generatedInvariant = { ...p, reads: { actors: [a(inv.actor)], cells: ['c0'] } };
  }
  if (base.properties?.generatedStall) properties.generatedStall = base.properties.generatedStall;
  const actors = { ...base.actors };
  const cells: Record<string, any> = { ...base.cells };
  if (h.aside === 'counter' || h.aside === 'both') { actors.aside = { machine: counter, spontaneous: [{ type: 'tick' }] }; cells.z = 0; }
  if (h.aside === 'spinner' || h.aside === 'both') actors.spin = { machine: spinner, spontaneous: [{ type: 'go' }] };
  h.extras.forEach((e, i) => {
    const name = `${e.k}${i}`;
    switch (e.k) {
      case 'goalState': {
        const f = raw[name] = (g) => g.actors[a(e.actor)].matches(`s${e.state}`);
        properties[name] = reachable(f, { actors: [a(e.actor)] });
        break;
      }
      case 'goalCell': {
        const f = raw[name] = (g) => g.cells.c1 === e.value && g.cells.c0 !== e.value;
        properties[name] = reachable(f, { cells: ['c0', 'c1'] });
        break;
      }
      case 'goalQueue': {
        const f = raw[name] = (g) => g.inFlight[a(e.actor)].length >= e.len;
        properties[name] = reachable(f, { inFlight: [a(e.actor)] });
        break;
      }
      case 'invQueue':
        properties[name] = invariant((g) => g.inFlight[a(e.actor)].filter((m) => m.type === 'm2').length < e.len, { inFlight: [a(e.actor)] });
        break;
      case 'invCtx':
        properties[name] = invariant((g) => !((g.actors[a(e.actor)].context as any).n === e.value && g.cells.c1 === e.value), { actors: [a(e.actor)], cells: ['c1'] });
        break;
      case 'invAside':
        if (!('z' in cells)) break;
        properties[name] = invariant((g) => !(g.cells.z === e.value && g.cells.c1 === 1), { cells: ['z', 'c1'] });
        break;
    }
  });
  return { system: { ...base, actors, cells, properties }, raw };
}

const violated = (r: CheckResult) => new Set(r.violations.map((v) => v.property));
const reachedGoals = (r: CheckResult) => new Set(r.goals.filter((g) => g.reached).map((g) => g.property));
const boundKinds = (r: CheckResult) => new Set(r.bounds.map((b) => b.kind));
const OFF = { partialOrder: false, symmetry: false } as const;

describe('partial-order reduction on random systems with goals, queue invariants, asides, bounds', () => {
  for (const [memory, cleaned] of [['sc', false], ['tso', false], ['sc', true], ['tso', true]] as const) {
    test(`${memory}${cleaned ? ', without model bugs' : ''}: reduced, unreduced and the reference agree`, () => {
      const seen = { compared: 0, reduced: 0, goalsReached: 0, violated: 0, depthRuns: 0 };
      fc.assert(
        fc.property(huntArb(cleaned), fc.option(fc.integer({ min: 2, max: 8 }), { freq: 3 }), (h, maxDepth) => {
          const { system: sys0, raw } = huntSystem(h);
          const system: SystemDefinition = { ...sys0, memory };
          const ref = bruteForce(system, 3_000, { states: true });
          if (ref.gaveUp) return;
          seen.compared++;
          const full = explore(system, { ...OFF, allViolations: true });
          const por = explore(system, { allViolations: true, partialOrder: true, symmetry: false });
          expect(por.stats.partialOrder?.applied, por.stats.partialOrder?.note ?? '').toBe(true);
          expect(violated(full)).toEqual(ref.violated);
          expect(violated(por)).toEqual(violated(full));
          expect(por.verdict).toBe(full.verdict);
          expect(boundKinds(por)).toEqual(boundKinds(full));
          expect(reachedGoals(por)).toEqual(reachedGoals(full));
          // Goals against the reference's reachable states.
          for (const [name, f] of Object.entries(raw)) {
            const refReached = ref.reached!.some((s) => f(s as any));
            if (!ref.violated.size && !ref.bounded) expect(reachedGoals(full).has(name), name).toBe(refReached);
          }
          for (const v of por.violations) replayViolation(system, v);
          for (const g of por.goals) if (g.reached) expect(g.steps).not.toBeNull();
          if (por.stats.states < full.stats.states) seen.reduced++;
          if (reachedGoals(por).size > 0) seen.goalsReached++;
          if (violated(por).size > 0) seen.violated++;
          // The first violation only.
          const first = explore(system, { partialOrder: true, symmetry: false });
          expect(first.verdict).toBe(full.verdict);
          for (const v of first.violations) { expect(ref.violated.has(v.property)).toBe(true); replayViolation(system, v); }
          // The compact store: the same violations (verdicts are probabilistic there).
          const compact = explore(system, { allViolations: true, partialOrder: true, symmetry: false, store: 'compact' });
          expect(violated(compact)).toEqual(violated(full));
          expect(reachedGoals(compact)).toEqual(reachedGoals(full));
          // A depth bound: a reduced run that hits no bound has judged everything; one that does says so.
          if (maxDepth !== null) {
            seen.depthRuns++;
            const fd = explore(system, { ...OFF, allViolations: true, maxDepth });
            const pd = explore(system, { allViolations: true, partialOrder: true, symmetry: false, maxDepth });
            if (!pd.bounds.some((b) => b.kind === 'maxDepth')) {
              expect(violated(pd)).toEqual(violated(full));
              expect(reachedGoals(pd)).toEqual(reachedGoals(full));
            }
            if (pd.verdict === 'verified') expect(full.verdict).toBe('verified');
            for (const p of violated(fd)) expect(violated(pd).has(p) || pd.bounds.some((b) => b.kind === 'maxDepth'), p).toBe(true);
            for (const p of violated(pd)) expect(violated(full).has(p), p).toBe(true);
            for (const v of pd.violations) replayViolation(system, v);
          }
        }),
        process.env.HUNT_RUNS ? { numRuns: Number(process.env.HUNT_RUNS) } : { numRuns: memory === 'sc' ? 40 : 15, seed: (memory === 'sc' ? 20261203 : 20261204) + (cleaned ? 10 : 0) },
      );
      if (process.env.HUNT_RUNS) console.log(memory, cleaned, seen);
      expect(seen.reduced / seen.compared).toBeGreaterThan(0.3);
    }, process.env.HUNT_RUNS ? 900_000 : 60_000);
  }
});
