// Partial-order reduction with liveness properties (checker/partialOrder.ts, README "Partial-order
// reduction"): the liveness verdicts of the reduced search against the brute-force reference
// (test/reference/bruteForce.ts, referenceLiveness: the whole graph, every interleaving) and against
// the unreduced search, on random systems made for the reduction to defer steps (actors storing to
// cells of their own, an independent actor looping forever beside them) and for fairness to decide.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createMachine, setup } from 'xstate';
import { alwaysEventually, cellsOf, defineSystem, eventually, explore, leadsTo, post, smp_mb, write } from '../checker/index.ts';
import type { Fairness, GlobalView, PropertyReads, SystemDefinition } from '../checker/index.ts';
import { referenceLassoCheck, referenceLiveness } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { UNREDUCED } from './support/unreduced.ts';
import { calledTimerSystem, rearmedDataArb, rearmedSystem, stepArb, timedDataArb, timedSystem } from './support/timedSystems.ts';
import type { RearmedData, Step } from './support/timedSystems.ts';
import { findings } from '../cli/formats/textTable.ts';
import type { CheckRecord } from '../cli/runChecks.ts';

/** A predicate over one cell or one actor's state, with what it reads. */
type Predicate = { k: 'cell'; cell: string; value: number } | { k: 'state'; actor: string; state: number };

function holds(p: Predicate, g: GlobalView): boolean {
  return p.k === 'cell' ? g.cells[p.cell] === p.value : g.actors[p.actor].matches(`s${p.state}`);
}

function readsOf(...ps: Predicate[]): PropertyReads {
  return {
    cells: [...new Set(ps.flatMap((p) => (p.k === 'cell' ? [p.cell] : [])))],
    actors: [...new Set(ps.flatMap((p) => (p.k === 'state' ? [p.actor] : [])))],
  };
}

function withLiveness(base: SystemDefinition, fairness: Fairness, [p, q, r]: Predicate[], form: 'eventually' | 'alwaysEventually'): SystemDefinition {
  const other = (g: GlobalView) => holds(r, g);
  return {
    ...base,
    fairness,
    properties: {
      ...base.properties,
      liveLeadsTo: leadsTo((g) => holds(p, g), (g) => holds(q, g), readsOf(p, q)),
      liveOther: form === 'eventually' ? eventually(other, readsOf(r)) : alwaysEventually(other, readsOf(r)),
    },
  };
}

/**
 * An actor that nothing else reads or writes, stepping forever: the steps an ample set defers most.
 * `fenced`: its step back to s0 ends with a fence, so that under tso its store buffer stays bounded.
 */
const looperOf = (fenced: boolean) => createMachine({
  id: 'looper', initial: 's0',
  states: { s0: { on: { tick: { target: 's1', actions: write('z', 1) } } }, s1: { on: { tick: { target: 's0', actions: fenced ? [write('z', 0), smp_mb()] : write('z', 0) } } } },
});
const looper = looperOf(false);

/**
 * Actors whose steps are guarded on the shared cell c (so an actor is enabled in some states of a
 * cycle and not in others) and store either to c or to a cell of their own (steps the reduction may
 * defer), the first of them waiting on c as in test/livenessVsReference.test.ts.
 */
const actorArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 });
const waiterArb = fc.integer({ min: 0, max: 2 }).map((k): Step[][] => [
  [{ event: 'tick', when: k, target: 1, store: null }], [{ event: 'tick', when: null, target: 0, store: { own: true, value: 1 } }]]);
const actorsArb = fc.tuple(waiterArb, fc.array(actorArb, { minLength: 1, maxLength: 2 })).map(([w, rest]) => [w, ...rest]);

/**
 * `fenced` (for tso): a transition back to the same or an earlier state ends with a fence, so every
 * cycle of a machine drains its store buffer and the search is not cut by the buffer's capacity.
 */
function guardedSystem(actors: Step[][][], withLooper: boolean, fenced: boolean): SystemDefinition {
  const defs: SystemDefinition['actors'] = {};
  const cells: Record<string, number> = { c: 0, z: 0 };
  actors.forEach((states, i) => {
    cells[`d${i}`] = 0;
    const config: Record<string, unknown> = {};
    states.forEach((ts, k) => {
      const on: Record<string, unknown[]> = {};
      for (const t of ts) {
        const target = t.target % states.length;
        const actions = [...(t.store === null ? [] : [write(t.store.own ? `d${i}` : 'c', t.store.value)]), ...(fenced && target <= k ? [smp_mb()] : [])];
        (on[t.event] ??= []).push({
          target: `s${target}`,
          ...(t.when === null ? {} : { guard: ({ event }: { event: any }) => cellsOf(event).c === t.when }),
          ...(actions.length === 0 ? {} : { actions }),
        });
      }
      config[`s${k}`] = { on, tags: ['end'] };
    });
    const reads = states.flat().some((t) => t.when !== null) ? ['c'] : [];
    defs[`a${i}`] = { machine: setup({}).createMachine({ initial: 's0', states: config } as any), spontaneous: [{ type: 'tick' }, { type: 'go' }], reads };
  });
  if (withLooper) defs.looper = { machine: looperOf(fenced), spontaneous: [{ type: 'tick' }] };
  return defineSystem({ actors: defs, cells });
}

const predicateArb = (actors: number): fc.Arbitrary<Predicate> => fc.oneof(
  fc.record({ k: fc.constant('cell' as const), cell: fc.constantFrom('c', 'd0', 'd1', 'z'), value: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ k: fc.constant('state' as const), actor: fc.constantFrom(...Array.from({ length: actors }, (_, i) => `a${i}`)), state: fc.integer({ min: 0, max: 2 }) }),
);
const waiterEnters: Predicate[] = [{ k: 'state', actor: 'a0', state: 0 }, { k: 'state', actor: 'a0', state: 1 }, { k: 'state', actor: 'a0', state: 1 }];

const fairnessArb = fc.constantFrom<Fairness>('none', 'weak', 'weak', { strong: ['a0'] }, { strong: [{ actor: 'a0', event: 'tick' }] }, { strong: ['a1', { actor: 'a0', event: 'go' }] });

const live = (r: { violations: { property: string }[] }) => new Set(r.violations.map((v) => v.property).filter((p) => p.startsWith('live')));

/** What a sample compared: systems, those reduced, and its liveness properties violated and verified. */
type Seen = { compared: number; reduced: number; violated: number; verified: number };
const nothingSeen = (): Seen => ({ compared: 0, reduced: 0, violated: 0, verified: 0 });

/**
 * The reduced search's liveness verdicts: the unreduced search's, and the reference's (a subset of them
 * where a bound, such as a full queue, cut the reference's graph); each lasso a fair run, as the
 * reference re-executes it. Counted into `seen`, unless the reference's graph is over `maxStates`.
 */
function agree(system: SystemDefinition, maxStates: number, seen: Seen): void {
  const ref = referenceLiveness(system, maxStates);
  if (ref === null) return;
  const por = explore(system, { allViolations: true, symmetry: false, partialOrder: true });
  const full = explore(system, { ...UNREDUCED, allViolations: true });
  expect(por.stats.partialOrder?.applied).toBe(true);
  const expected = new Set([...ref.violated].filter((p) => p.startsWith('live')));
  if (ref.bounded) for (const p of live(por)) expect(expected).toContain(p);
  else expect(live(por)).toEqual(expected);
  expect(live(por)).toEqual(live(full));
  expect(por.verdict).toBe(full.verdict);
  for (const v of por.violations.filter((x) => x.property.startsWith('live'))) {
    expect(referenceLassoCheck(system, v.property, v.steps, v.cycleStart ?? null)).toBeNull();
  }
  const properties = Object.keys(system.properties ?? {}).filter((p) => p.startsWith('live')).length;
  seen.compared++;
  if (por.stats.partialOrder!.reducedStates > 0) seen.reduced++;
  seen.violated += live(por).size;
  seen.verified += properties - live(por).size;
}

describe('partial-order reduction with liveness properties: the reference\'s verdicts', () => {
  for (const memory of ['sc', 'tso'] as const) {
    test(`${memory}: guarded actors with cells of their own, and a looper beside them, under every fairness`, () => {
      const seen = nothingSeen();
      fc.assert(
        fc.property(actorsArb, fc.boolean(), fairnessArb, fc.oneof(fc.constant(waiterEnters), fc.array(predicateArb(2), { minLength: 3, maxLength: 3 })), fc.constantFrom('eventually' as const, 'alwaysEventually' as const),
          (actors, withLooper, fairness, preds, form) => {
            const system = { ...withLiveness(guardedSystem(actors, withLooper, memory === 'tso'), fairness, preds, form), memory };
            agree(system, memory === 'sc' ? 3_000 : 20_000, seen);
          }),
        // Seeded: the counts below say the sample reduced and met both verdicts, not by luck.
        { numRuns: memory === 'sc' ? 200 : 150, seed: 20261207 },
      );
      expect(seen.compared).toBeGreaterThan(memory === 'sc' ? 180 : 120);
      expect(seen.reduced / seen.compared).toBeGreaterThan(0.4);
      expect(seen.violated).toBeGreaterThan(60);
      expect(seen.verified).toBeGreaterThan(60);
    });
  }

  test('random systems of the whole vocabulary (posts, calls, guards, end states) with a looper beside them', () => {
    const seen = nothingSeen();
    fc.assert(
      fc.property(systemDataArb, fairnessArb, fc.array(fc.oneof(
        fc.record({ k: fc.constant('cell' as const), cell: fc.constantFrom('c0', 'c1', 'z'), value: fc.integer({ min: 0, max: 2 }) }),
        fc.record({ k: fc.constant('state' as const), actor: fc.constantFrom('a0', 'a1'), state: fc.integer({ min: 0, max: 3 }) }),
      ), { minLength: 3, maxLength: 3 }), fc.constantFrom('eventually' as const, 'alwaysEventually' as const), (data, fairness, preds, form) => {
        // Timers taken out: beside the looper, which always has a step, no timer would ever fire (the
        // systems beside timers are the describe above's).
        const base = buildSystem({ ...data, actors: data.actors.map((a) => ({ ...a, states: a.states.map((st) => ({ ...st, after: null, kind: st.kind === 'nested' ? 'plain' : st.kind })) })) });
        const inv = data.invariant;
        const props = { ...base.properties };
        // The generated invariant declares what it reads, so that the reduction applies.
        if (inv) props.generatedInvariant = { ...props.generatedInvariant, reads: { actors: [`a${inv.actor}`], cells: ['c0'] } } as typeof props.generatedInvariant;
        const system = withLiveness({
          ...base, properties: props,
          actors: { ...base.actors, looper: { machine: looper, spontaneous: [{ type: 'tick' }] } }, cells: { ...base.cells, z: 0 },
        }, fairness, preds, form);
        agree(system, 3_000, seen);
      }),
      { numRuns: 100, seed: 20261207 },
    );
    expect(seen.compared).toBeGreaterThan(60);
    expect(seen.reduced).toBeGreaterThan(25);
    expect(seen.violated).toBeGreaterThan(10);
  });
});

/** A looper beside an actor with one step to take, which the property waits for. */
function waitsForOnce(fairness: Fairness, extra: Partial<SystemDefinition> = {}): SystemDefinition {
  const once = createMachine({ id: 'once', initial: 's0', states: { s0: { on: { go: 's1' } }, s1: { tags: ['end'] } } });
  return defineSystem({
    actors: { looper: { machine: looper, spontaneous: [{ type: 'tick' }] }, once: { machine: once, spontaneous: [{ type: 'go' }] } },
    cells: { z: 0 }, fairness,
    properties: { done: eventually((g) => g.actors.once.matches('s1'), { actors: ['once'] }) },
    ...extra,
  });
}

/** A posts to W, W to Z, whose queue holds one: the fair cycle A, A, W, Z leaves c0 at 0 forever. */
function cutByFullQueue(): SystemDefinition {
  const A = setup({}).createMachine({ id: 'A', initial: 's0', states: { s0: { on: { tick: { target: 's1', actions: post('W', { type: 'm' }) } } }, s1: { on: { tick: 's0' } } } });
  const W = setup({}).createMachine({ id: 'W', initial: 's0', states: { s0: { on: { m: { actions: post('Z', { type: 'n' }) } } } } });
  const Z = setup({}).createMachine({ id: 'Z', initial: 's0', states: { s0: { on: { n: {} } } } });
  return defineSystem({
    actors: { A: { machine: A, spontaneous: [{ type: 'tick' }] }, W: { machine: W, queueCapacity: 2 }, Z: { machine: Z, queueCapacity: 1 } },
    cells: { c0: 0 }, deadlock: false,
    properties: { live: eventually((g) => g.cells.c0 === 1, { cells: ['c0'] }) },
  });
}

describe('partial-order reduction with liveness properties beside timers (deadlines)', () => {
  for (const memory of ['sc', 'tso'] as const) {
    test(`${memory}: timed actors, some timers due at once or racing their own untimed steps, beside guarded actors`, () => {
      const seen = nothingSeen();
      fc.assert(
        fc.property(timedDataArb, (data) => {
          agree({ ...timedSystem(data, memory === 'tso'), memory }, memory === 'sc' ? 3_000 : 20_000, seen);
        }),
        // Seeded: the counts below say the sample reduced and met both verdicts, not by luck.
        { numRuns: memory === 'sc' ? 80 : 30, seed: 20261208 },
      );
      expect(seen.compared).toBeGreaterThan(memory === 'sc' ? 70 : 25);
      expect(seen.reduced / seen.compared).toBeGreaterThan(0.3);
      expect(seen.violated).toBeGreaterThan(memory === 'sc' ? 15 : 5);
      expect(seen.verified).toBeGreaterThan(memory === 'sc' ? 15 : 5);
    });
  }

  test('the shape that defeats the reduction under unordered timers, randomised, under deadlines', () => {
    const seen = nothingSeen();
    fc.assert(
      fc.property(rearmedDataArb, (data) => {
        agree(rearmedSystem(data, 'deadline'), 3_000, seen);
      }),
      { numRuns: 60, seed: 20261208 },
    );
    // Seeded: 59 compared, 39 reduced, 6 violated.
    expect(seen.compared).toBeGreaterThan(55);
    expect(seen.reduced / seen.compared).toBeGreaterThan(0.5);
    expect(seen.violated).toBeGreaterThan(4);
    expect(seen.verified).toBeGreaterThan(10);
  });
});

/** rearmedSystem's data for the system the reduction gets wrong under unordered timers. */
const UNSTICKS_UNORDERED: RearmedData = {
  tDelay: 10, tGuard: 0, writers: [{ start: 's1', value: 1 }], others: [{ start: 's1', steps: 1 }],
  rDelay: 10, rReset: 0, rRearmsWriters: true, rRearmsOthers: true, rLoops: true, c: 1, fairness: 'weak', form: 'eventually',
};

describe('partial-order reduction with liveness properties: cases', () => {
  test('a step an ample set deferred still makes its actor enabled: weak fairness rules out the looper\'s cycle', () => {
    // The once actor's step is visible, so the ample set is the looper's; the cycle it closes is fair
    // only if the once actor looked disabled in the state where its step was deferred.
    const r = explore(waitsForOnce('weak'), { partialOrder: true });
    expect(r.stats.partialOrder).toMatchObject({ applied: true });
    expect(r.stats.partialOrder!.reducedStates).toBeGreaterThan(0);
    expect(r.verdict).toBe('verified');
  });

  test('without fairness the looper\'s cycle is a violation; its lasso is the unreduced search\'s, searched again over the whole graph', () => {
    const system = waitsForOnce('none');
    const r = explore(system, { partialOrder: true });
    const full = explore(system, UNREDUCED);
    expect(r.violations).toEqual(full.violations);
    expect(r.violations[0].cycleStart).not.toBeUndefined();
    expect(r.stats.partialOrder!.shortest).toEqual({ depth: null, states: full.stats.states, stopped: null });
  });

  test('a bound that cuts the only reduced copy of a fair cycle: the check is searched again without the reduction', () => {
    // Found by a review: with Z's queue full and W's empty, A's post to W is ample alone (W is
    // disabled, and only A can enable it); the state it leads to, off the fair cycle A, A, W, Z, has
    // W's post to Z cut by the full queue, so it carries no cycle, and every reduced copy of that cycle
    // passes through such a state.
    const system = cutByFullQueue();
    const full = explore(system, UNREDUCED);
    expect(full.verdict).toBe('violated');
    const r = explore(system, { partialOrder: true });
    expect(r.stats.partialOrder!.reducedStates).toBeGreaterThan(0);
    expect(r.verdict).toBe('violated');
    expect(r.violations).toEqual(full.violations);
    expect(r.stats.partialOrder!.shortest).toEqual({ depth: null, states: full.stats.states, stopped: null });
  });

  test('the text report says the verdict came from the search again over the whole graph', () => {
    const system = cutByFullQueue();
    const r = explore(system, { partialOrder: true });
    const record = { scenario: 'cut', variant: null, parameters: {}, expected: null, memory: 'sc', memoryAsked: false, result: r, system } as unknown as CheckRecord;
    expect(findings([record], false)).toMatch(/cut: partial-order reduction applied \(ample sets[^)]*\): [1-9]\d* states expanded by an ample set; the verdict, counterexamples and witnesses from a search again without it over the whole graph \(12 states\)/);
  });

  test('a liveness property that does not declare what it reads: not applied, and said why', () => {
    const system = waitsForOnce('weak', { properties: { done: eventually((g) => g.actors.once.matches('s1')) } });
    const r = explore(system, { partialOrder: true });
    expect(r.stats.partialOrder).toMatchObject({ applied: false });
    expect(r.stats.partialOrder!.note).toMatch(/done does not declare what it reads/);
  });

  test('a liveness property that reads what it did not declare is a modelError', () => {
    const system = waitsForOnce('weak', { properties: { done: eventually((g) => g.actors.once.matches('s1') && g.cells.z === 0, { actors: ['once'] }) } });
    const r = explore(system);
    expect(r.violations[0]).toMatchObject({ property: 'modelError' });
    expect(r.violations[0].message).toMatch(/reads cell 'z', which its `reads` does not declare/);
  });

  test('unordered timers beside a liveness property: not applied, and said why', () => {
    const system = rearmedSystem(UNSTICKS_UNORDERED, 'unordered');
    const r = explore(system, { partialOrder: true });
    expect(r.stats.partialOrder).toMatchObject({ applied: false });
    expect(r.stats.partialOrder!.note).toMatch(/unordered timers \(t, r\) are offered wherever nothing else is and never fall due/);
    // t's step is enabled wherever c is 0 and its timer wherever nothing else is: only the run that sets
    // c before y takes its step disables t on the way, and the reduction, which takes y's step first,
    // would have had t enabled all round its cycle (weak fairness would then rule the cycle out).
    expect(r.verdict).toBe('violated');
    expect([...referenceLiveness(system, 3_000)!.violated]).toEqual(['live']);
  });

  test('a call re-arms its timer without its actor stepping: not applied beside a liveness property, and said why', () => {
    for (const memory of ['sc', 'tso'] as const) {
      const system = calledTimerSystem(memory);
      const r = explore(system, { partialOrder: true });
      expect(r.stats.partialOrder).toMatchObject({ applied: false });
      expect(r.stats.partialOrder!.note).toMatch(/timers of actors that others call \(t\) are re-armed by a call without their actor stepping/);
      expect(r.verdict).toBe('violated');
      expect([...referenceLiveness(system, 5_000)!.violated]).toEqual(['live']);
    }
  });

  test('the same system under deadlines: reduced, and t\'s timer, due once r\'s has fired, makes t step', () => {
    const system = rearmedSystem(UNSTICKS_UNORDERED, 'deadline');
    const r = explore(system, { partialOrder: true });
    expect(r.stats.partialOrder).toMatchObject({ applied: true });
    expect(r.stats.partialOrder!.reducedStates).toBeGreaterThan(0);
    expect(r.verdict).toBe('verified');
    expect(explore(system, UNREDUCED).verdict).toBe('verified');
    expect([...referenceLiveness(system, 3_000)!.violated]).toEqual([]);
  });
});
