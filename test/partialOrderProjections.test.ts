// Partial-order reduction keeps every reachable state's visible part: on random straight-line
// programs of loads, stores, fences and RMWs (as test/armReduction.test.ts builds them, here under sc
// and tso), and on the random systems of test/reference/randomSystem.ts, an invariant that records what
// it declares it reads must see exactly the same set of projections with and without the reduction
// (stuttering equivalence keeps the reachable visible states, not only the verdicts).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assign, setup } from 'xstate';
import { defineSystem, explore, invariant, stall, write } from '../checker/index.ts';
import type { GlobalView, PropertyReads, SystemDefinition } from '../checker/index.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { CELLS, op, programMachine } from './support/litmusPrograms.ts';
import type { Op } from './support/litmusPrograms.ts';

interface Program { ops: Op[]; loop: boolean }

/** `loop`: the program starts over after its last op (a cycle, for the proviso), forgetting what it saw. */
const program = (maxOps: number): fc.Arbitrary<Program> => fc.record({ ops: fc.array(op, { minLength: 1, maxLength: maxOps }), loop: fc.boolean() });
const machine = (name: string, p: Program) => programMachine(name, p.ops, p.loop ? 'loop' : 'final');

const aside = setup({ types: {} as { context: { n: number } } }).createMachine({
  id: 'aside', context: { n: 0 }, initial: 'run',
  states: { run: { on: { tick: [{ guard: ({ context }) => context.n < 2, actions: [assign({ n: ({ context }) => context.n + 1 }), write('z', ({ context }) => context.n + 1)] }, { target: 'done', actions: write('z', 3) }] } }, done: { type: 'final' } },
});
const spinner = setup({}).createMachine({ id: 'spin', initial: 'a', states: { a: { on: { go: 'b' } }, b: { on: { go: 'a' } } } });
const asides: SystemDefinition['actors'] = { aside: { machine: aside, spontaneous: [{ type: 'tick' }] }, spin: { machine: spinner, spontaneous: [{ type: 'go' }] } };

/** What `reads` lets a property see of `g`, as one string. */
function projection(g: GlobalView, reads: PropertyReads): string {
  return JSON.stringify([
    (reads.actors ?? []).map((a) => [g.actors[a].value, g.actors[a].context]),
    (reads.cells ?? []).map((c) => g.cells[c]),
    (reads.inFlight ?? []).map((a) => g.inFlight[a]),
  ]);
}

/** A whole global state, as one string. */
const whole = (g: GlobalView): string => JSON.stringify([Object.values(g.actors).map((s) => [s.value, s.context]), g.cells, g.inFlight]);

/**
 * The projections seen and the verdict, with and without the reduction; and every quiescent state
 * (where only timers or nothing can fire), whole: a stall property, which declares no reads, sees them,
 * and the reduction must reach each of them (README: "deadlocks, stalls and end states are judged in
 * exactly the same states").
 */
function both(def: SystemDefinition, reads: PropertyReads, maxStates = 20_000) {
  const run = (partialOrder: boolean) => {
    const seen = new Set<string>();
    const quiet = new Set<string>();
    const system = {
      ...def,
      properties: {
        ...def.properties,
        record: invariant((g) => { seen.add(projection(g, reads)); return true; }, reads),
        quiescent: stall((g) => { quiet.add(whole(g)); return false; }),
      },
    };
    const r = explore(system, { partialOrder, symmetry: false, allViolations: true, maxStates });
    return { seen, quiet, r };
  };
  return { full: run(false), por: run(true) };
}

const readsArb = (actors: string[], cells: readonly string[]): fc.Arbitrary<PropertyReads> => fc.record({
  actors: fc.subarray(actors, { maxLength: 1 }),
  cells: fc.subarray([...cells], { minLength: 1, maxLength: 2 }),
});

describe('the reduction keeps every visible projection', () => {
  for (const memory of ['sc', 'tso'] as const) {
    test(`${memory}: straight-line and looping programs of loads, stores, fences and RMWs`, () => {
      const seen = { compared: 0, reduced: 0 };
      fc.assert(fc.property(fc.integer({ min: 2, max: 3 }).chain((n) => fc.tuple(fc.array(program(n === 2 ? 5 : 3), { minLength: n, maxLength: n }), readsArb(Array.from({ length: n }, (_, i) => `t${i}`), CELLS))), ([programs, reads]) => {
        const actors: SystemDefinition['actors'] = {};
        programs.forEach((p, i) => { actors[`t${i}`] = { machine: machine(`t${i}`, p), spontaneous: [{ type: 'run' }] }; });
        const def = defineSystem({ name: 'programs', memory, actors, cells: { x: 0, y: 0, z: 0, w: 0 }, storeBuffer: 6, deadlock: false });
        const { full, por } = both(def, reads);
        if (full.r.bounds.length > 0) return;
        seen.compared++;
        expect(por.r.stats.partialOrder?.applied).toBe(true);
        expect(por.r.verdict).toBe(full.r.verdict);
        expect([...por.seen].sort()).toEqual([...full.seen].sort());
        expect([...por.quiet].sort()).toEqual([...full.quiet].sort());
        if (por.r.stats.states < full.r.stats.states) seen.reduced++;
      }), process.env.HUNT_RUNS ? { numRuns: Number(process.env.HUNT_RUNS) } : { numRuns: memory === 'sc' ? 60 : 40, seed: 20261205 });
      if (process.env.HUNT_RUNS) console.log(seen);
      expect(seen.reduced / seen.compared).toBeGreaterThan(0.3);
    }, process.env.HUNT_RUNS ? 900_000 : 60_000);
  }

  test('sc: two random systems side by side (4 to 6 actors), the second posting and calling into the first or into its own', () => {
    // The second system's posts and calls name actors by index, so they land in the first's actors:
    // chains of enabling across more actors than one random system has.
    const seen = { compared: 0, reduced: 0 };
    const seeing = fc.oneof(
      fc.nat(3).map((a): PropertyReads => ({ actors: [`a${a}`] })),
      fc.constantFrom<PropertyReads>({ cells: ['c0'] }, { cells: ['c1'] }),
      fc.nat(3).map((a): PropertyReads => ({ inFlight: [`a${a}`] })),
    );
    fc.assert(fc.property(systemDataArb, systemDataArb, seeing, fc.boolean(), (one, two, wanted, apart) => {
      // apart: the second system's posts and calls go to its own actors (two subsystems sharing only c0, c1).
      const shift = (as: any[]) => as.map((a) => (apart && (a.k === 'post' || a.k === 'call') ? { ...a, to: a.to + one.actors.length } : a));
      const second = two.actors.map((a) => ({
        ...a,
        states: a.states.map((st) => ({ ...st, entry: shift(st.entry), on: st.on.map((t) => ({ ...t, actions: shift(t.actions) })), after: st.after && { ...st.after, actions: shift(st.after.actions) } })),
      }));
      const data = { ...one, invariant: null, stall: null, actors: [...one.actors, ...second], sharedMachine: false };
      const n = data.actors.length;
      const fits = (names?: string[]) => (names ?? []).every((a) => Number(a.slice(1)) < n);
      const reads: PropertyReads = fits(wanted.actors) && fits(wanted.inFlight) ? wanted : { cells: ['c0'] };
      const { full, por } = both(buildSystem(data), reads, 8_000);
      if (full.r.bounds.some((b) => b.kind === 'maxStates')) return;
      seen.compared++;
      expect(por.r.verdict).toBe(full.r.verdict);
      expect(new Set(por.r.violations.map((v) => v.property))).toEqual(new Set(full.r.violations.map((v) => v.property)));
      expect(new Set(por.r.bounds.map((b) => b.kind))).toEqual(new Set(full.r.bounds.map((b) => b.kind)));
      expect([...por.seen].sort()).toEqual([...full.seen].sort());
        expect([...por.quiet].sort()).toEqual([...full.quiet].sort());
      if (por.r.stats.states < full.r.stats.states) seen.reduced++;
    }), process.env.HUNT_RUNS ? { numRuns: Number(process.env.HUNT_RUNS) } : { numRuns: 30, seed: 20261207 });
    if (process.env.HUNT_RUNS) console.log(seen);
    expect(seen.compared).toBeGreaterThan(10);
  }, process.env.HUNT_RUNS ? 900_000 : 60_000);

  for (const memory of ['sc', 'tso'] as const) {
    test(`${memory}: the random systems, seen through an actor, a cell and a queue`, () => {
      const seen = { compared: 0, reduced: 0 };
      // One thing seen, so that most steps are invisible; beside the system, two independent actors.
      const seeing = fc.oneof(
        fc.nat(2).map((a): PropertyReads => ({ actors: [`a${a}`] })),
        fc.constantFrom<PropertyReads>({ cells: ['c0'] }, { cells: ['c1'] }, { cells: ['z'] }),
        fc.nat(2).map((a): PropertyReads => ({ inFlight: [`a${a}`] })),
      );
      fc.assert(fc.property(systemDataArb, seeing, (data, wanted) => {
        const n = data.actors.length;
        const fits = (names?: string[]) => (names ?? []).every((a) => Number(a.slice(1)) < n);
        const reads: PropertyReads = fits(wanted.actors) && fits(wanted.inFlight) ? wanted : { cells: ['c0'] };
        const built = buildSystem({ ...data, invariant: null });
        const base: SystemDefinition = { ...built, actors: { ...built.actors, ...asides }, cells: { ...built.cells, z: 0 } };
        const { full, por } = both({ ...base, memory }, reads, 5_000);
        if (full.r.bounds.some((b) => b.kind === 'maxStates')) return;
        seen.compared++;
        expect(por.r.stats.partialOrder?.applied).toBe(true);
        expect(por.r.verdict).toBe(full.r.verdict);
        expect(new Set(por.r.violations.map((v) => v.property))).toEqual(new Set(full.r.violations.map((v) => v.property)));
        // A step that fails ends its branch, so a state past it is not reached either way; every
        // projection the unreduced search saw must be seen.
        expect([...por.seen].sort()).toEqual([...full.seen].sort());
        expect([...por.quiet].sort()).toEqual([...full.quiet].sort());
        if (por.r.stats.states < full.r.stats.states) seen.reduced++;
      }), process.env.HUNT_RUNS ? { numRuns: Number(process.env.HUNT_RUNS) } : { numRuns: memory === 'sc' ? 50 : 25, seed: 20261206 });
      if (process.env.HUNT_RUNS) console.log(seen);
      expect(seen.reduced / seen.compared).toBeGreaterThan(0.2);
    }, process.env.HUNT_RUNS ? 900_000 : 60_000);
  }
});
