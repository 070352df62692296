// Random systems with `after` timers for the partial-order reduction's liveness tests
// (test/partialOrderLiveness.test.ts): timers due at once (delay 0, or equal deadlines), timers that
// race untimed steps of their own actor, and the shape that breaks the reduction under unordered
// timers (README, "Partial-order reduction").
import fc from 'fast-check';
import { createMachine } from 'xstate';
import { alwaysEventually, call, cellsOf, defineSystem, eventually, leadsTo, post, smp_mb, write } from '../../checker/index.ts';
import type { Fairness, GlobalView, SystemDefinition } from '../../checker/index.ts';

const delayArb = fc.constantFrom(0, 10, 20);
const fairnessArb = fc.constantFrom<Fairness>('none', 'weak', 'weak', { strong: ['t'] }, { strong: [{ actor: 't', event: 'tick' }] }, { strong: ['a0'] });

/** An untimed step: guarded on cell c (or not), storing to the actor's own cell or to c (or not); also the guarded actors' of test/partialOrderLiveness.test.ts. */
export type Step = { event: 'tick' | 'go'; when: number | null; target: number; store: { own: boolean; value: number } | null };
export const stepArb = fc.record({
  event: fc.constantFrom('tick' as const, 'go' as const),
  when: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 3 }),
  target: fc.integer({ min: 0, max: 2 }),
  store: fc.option(fc.record({ own: fc.boolean(), value: fc.integer({ min: 0, max: 2 }) })),
});
/** A state of a timed actor: an `after` (or none) and an untimed step beside it (or none). */
type TimedState = { delay: number | null; target: number; store: { own: boolean; value: number } | null; step: Step | null };
const timedStateArb = fc.record({
  delay: fc.option(delayArb, { freq: 4 }),
  target: fc.integer({ min: 0, max: 2 }),
  store: fc.option(fc.record({ own: fc.boolean(), value: fc.integer({ min: 0, max: 2 }) })),
  step: fc.option(stepArb),
});

export interface TimedData {
  /** Untimed actors a0, a1: per state, its steps. */
  guarded: Step[][][];
  /** Timed actors t, t1: per state. */
  timed: TimedState[][];
  /** An actor stepping twice on a cell of its own, then done: steps for an ample set to defer while the timers wait. */
  looper: boolean;
  fairness: Fairness;
  form: 'eventually' | 'alwaysEventually' | 'leadsTo';
  /** The property's predicate: a cell's value or an actor's state. */
  goal: { k: 'cell'; cell: 'c' | 'd0' | 'e0'; value: number } | { k: 'state'; actor: 'a0' | 't'; state: number };
}

export const timedDataArb: fc.Arbitrary<TimedData> = fc.record({
  guarded: fc.array(fc.array(fc.array(stepArb, { maxLength: 2 }), { minLength: 2, maxLength: 3 }), { minLength: 2, maxLength: 2 }),
  timed: fc.array(fc.array(timedStateArb, { minLength: 2, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
  looper: fc.boolean(),
  fairness: fairnessArb,
  form: fc.constantFrom('eventually' as const, 'alwaysEventually' as const, 'leadsTo' as const),
  goal: fc.oneof(
    fc.record({ k: fc.constant('cell' as const), cell: fc.constantFrom('c' as const, 'd0' as const, 'e0' as const), value: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ k: fc.constant('state' as const), actor: fc.constantFrom('a0' as const, 't' as const), state: fc.integer({ min: 0, max: 2 }) }),
  ),
});

/** `fenced` (tso): each step back to the same or an earlier state, and each timer, ends with a fence, so the store buffers stay bounded. */
export function timedSystem(d: TimedData, fenced: boolean): SystemDefinition {
  const actors: SystemDefinition['actors'] = {};
  const cells: Record<string, number> = { c: 0 };
  const transition = (own: string, s: Step, from: number, count: number) => {
    const target = s.target % count;
    const actions = [...(s.store === null ? [] : [write(s.store.own ? own : 'c', s.store.value)]), ...(fenced && target <= from ? [smp_mb()] : [])];
    return { target: `s${target}`, ...(s.when === null ? {} : { guard: ({ event }: { event: any }) => cellsOf(event).c === s.when }), ...(actions.length === 0 ? {} : { actions }) };
  };
  d.guarded.forEach((states, i) => {
    cells[`d${i}`] = 0;
    const config: Record<string, unknown> = {};
    states.forEach((steps, k) => {
      const on: Record<string, unknown[]> = {};
      for (const s of steps) (on[s.event] ??= []).push(transition(`d${i}`, s, k, states.length));
      config[`s${k}`] = { on, tags: ['end'] };
    });
    const reads = states.flat().some((s) => s.when !== null) ? ['c'] : [];
    actors[`a${i}`] = { machine: createMachine({ initial: 's0', states: config } as any), spontaneous: [{ type: 'tick' }, { type: 'go' }], reads };
  });
  d.timed.forEach((states, j) => {
    cells[`e${j}`] = 0;
    const config: Record<string, unknown> = {};
    states.forEach((s, k) => {
      const node: Record<string, unknown> = { tags: ['end'] };
      if (s.delay !== null) {
        const actions = [...(s.store === null ? [] : [write(s.store.own ? `e${j}` : 'c', s.store.value)]), ...(fenced ? [smp_mb()] : [])];
        node.after = { [s.delay]: { target: `s${s.target % states.length}`, ...(actions.length === 0 ? {} : { actions }) } };
      }
      if (s.step !== null) node.on = { [s.step.event]: [transition(`e${j}`, s.step, k, states.length)] };
      config[`s${k}`] = node;
    });
    const reads = states.some((s) => s.step !== null && s.step.when !== null) ? ['c'] : [];
    actors[j === 0 ? 't' : `t${j}`] = { machine: createMachine({ initial: 's0', states: config } as any), spontaneous: [{ type: 'tick' }, { type: 'go' }], reads };
  });
  if (d.looper) {
    cells.z = 0;
    const looper = createMachine({ initial: 's0', states: { s0: { on: { tick: { target: 's1', actions: write('z', 1) } } }, s1: { on: { tick: { target: 's2', actions: write('z', 2) } } }, s2: { tags: ['end'] } } });
    actors.looper = { machine: looper, spontaneous: [{ type: 'tick' }] };
  }
  const g = d.goal;
  const holds = (v: GlobalView) => (g.k === 'cell' ? v.cells[g.cell] === g.value : v.actors[g.actor].matches(`s${g.state}`));
  const reads = g.k === 'cell' ? { cells: [g.cell] } : { actors: [g.actor] };
  const property = d.form === 'eventually' ? eventually(holds, reads)
    : d.form === 'alwaysEventually' ? alwaysEventually(holds, reads)
      : leadsTo((v) => v.cells.c === 0, holds, { cells: ['c', ...(reads.cells ?? [])], actors: reads.actors ?? [] });
  return defineSystem({ actors, cells, fairness: d.fairness, properties: { live: property } });
}

/**
 * The shape that breaks the reduction under unordered timers: t steps only while c holds `tGuard` (or
 * when its timer fires), writers e_i store to c and wait to be re-armed, independent actors y_i store
 * to cells of their own, and r's timer re-arms them all, resetting c. Under unordered timers the
 * reduction takes y_i's steps first, so no state of its cycle has t disabled (c set while a y_i is
 * still busy), and weak fairness rules out the cycle the full graph has.
 */
export interface RearmedData {
  tDelay: number | null;
  tGuard: number;
  writers: { start: 's0' | 's1'; value: number }[];
  others: { start: 's0' | 's1'; steps: 1 | 2 }[];
  rDelay: number;
  rReset: number;
  rRearmsWriters: boolean;
  rRearmsOthers: boolean;
  rLoops: boolean;
  c: number;
  fairness: Fairness;
  form: 'eventually' | 'alwaysEventually' | 'leadsTo';
}

export const rearmedDataArb: fc.Arbitrary<RearmedData> = fc.record({
  tDelay: fc.option(delayArb, { freq: 4 }),
  tGuard: fc.constantFrom(0, 1),
  writers: fc.array(fc.record({ start: fc.constantFrom('s0' as const, 's1' as const), value: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 2 }),
  others: fc.array(fc.record({ start: fc.constantFrom('s0' as const, 's1' as const), steps: fc.constantFrom(1 as const, 2 as const) }), { minLength: 1, maxLength: 2 }),
  rDelay: delayArb,
  rReset: fc.constantFrom(0, 1),
  rRearmsWriters: fc.boolean(),
  rRearmsOthers: fc.boolean(),
  rLoops: fc.boolean(),
  c: fc.constantFrom(0, 1),
  fairness: fc.constantFrom<Fairness>('weak', 'weak', 'none', { strong: ['t'] }, { strong: [{ actor: 't', event: 'tick' }] }, { strong: ['e0'] }),
  form: fc.constantFrom('eventually' as const, 'alwaysEventually' as const, 'leadsTo' as const),
});

export function rearmedSystem(d: RearmedData, timers: 'deadline' | 'unordered'): SystemDefinition {
  const s0: Record<string, unknown> = { on: { tick: { guard: ({ event }: { event: any }) => cellsOf(event).c === d.tGuard, target: 's1' } } };
  if (d.tDelay !== null) s0.after = { [d.tDelay]: 's1' };
  const actors: SystemDefinition['actors'] = {
    t: { machine: createMachine({ initial: 's0', states: { s0, s1: { tags: ['end'] } } } as any), spontaneous: [{ type: 'tick' }], reads: ['c'] },
  };
  const cells: Record<string, number> = { c: d.c };
  const rearm: unknown[] = [write('c', d.rReset)];
  d.writers.forEach((w, i) => {
    const machine = createMachine({ initial: w.start, states: { s0: { on: { tick: { target: 's1', actions: write('c', w.value) } } }, s1: { tags: ['end'], on: { again: 's0' } } } });
    actors[`e${i}`] = { machine, spontaneous: [{ type: 'tick' }] };
    if (d.rRearmsWriters) rearm.push(post(`e${i}`, { type: 'again' }));
  });
  d.others.forEach((y, i) => {
    // Done already, its cell holds what its steps stored: the state r's timer fires in, round its cycle.
    cells[`d${i}`] = y.start === 's1' ? y.steps : 0;
    const done = { tags: ['end'], on: { again: { target: 's0', actions: write(`d${i}`, 0) } } };
    const states = y.steps === 1
      ? { s0: { on: { tick: { target: 's1', actions: write(`d${i}`, 1) } } }, s1: done }
      : { s0: { on: { tick: { target: 'mid', actions: write(`d${i}`, 1) } } }, mid: { on: { tick: { target: 's1', actions: write(`d${i}`, 2) } } }, s1: done };
    actors[`y${i}`] = { machine: createMachine({ initial: y.start, states } as any), spontaneous: [{ type: 'tick' }] };
    if (d.rRearmsOthers) rearm.push(post(`y${i}`, { type: 'again' }));
  });
  const r = createMachine({ initial: 's0', states: { s0: { tags: ['end'], after: { [d.rDelay]: { target: d.rLoops ? 's0' : 's1', reenter: true, actions: rearm } } }, s1: { tags: ['end'] } } } as any);
  actors.r = { machine: r };
  const done = (g: GlobalView) => g.actors.t.matches('s1');
  const property = d.form === 'eventually' ? eventually(done, { actors: ['t'] })
    : d.form === 'alwaysEventually' ? alwaysEventually(done, { actors: ['t'] })
      : leadsTo((g) => g.cells.c === 0, done, { cells: ['c'], actors: ['t'] });
  return defineSystem({ actors, cells, timers, fairness: d.fairness, properties: { live: property } });
}

/**
 * A timed actor re-armed by calls (found by a review of the reduction beside timers): t steps while c is
 * 0 or when its timer fires; u1 and u2, timers 10 apart, each in turn set c to 0, call t to re-enter its
 * state (re-arming its timer: it never falls due, though t never steps), and re-arm a writer e (which
 * sets c) and an independent actor y. The full graph's run in which e sets c before y steps disables t
 * on the way and is fair; the reduction, taking y's steps first, had t enabled all round its cycles.
 */
export function calledTimerSystem(memory: 'sc' | 'tso'): SystemDefinition {
  const t = createMachine({
    initial: 's0',
    states: {
      s0: { after: { 10: 's1' }, on: { tick: { guard: ({ event }: { event: any }) => cellsOf(event).c === 0, target: 's1' }, reset: { target: 's0', reenter: true } } },
      s1: { tags: ['end'], on: { reset: {} } },
    },
  } as any);
  const rearm = [write('c', 0), call('t', { type: 'reset' }), post('e', { type: 'again' }), post('y', { type: 'again' })];
  const every20 = { tags: ['end'], after: { 20: { target: 's0', reenter: true, actions: rearm } } };
  const u1 = createMachine({ initial: 's0', states: { s0: every20 } } as any);
  const u2 = createMachine({ initial: 'first', states: { first: { tags: ['end'], after: { 5: 'second' } }, second: { tags: ['end'], after: { 5: { target: 's0', actions: rearm } } }, s0: every20 } } as any);
  const e = createMachine({ initial: 's1', states: { s0: { on: { tick: { target: 's1', actions: write('c', 1) } } }, s1: { tags: ['end'], on: { again: 's0' } } } });
  const y = createMachine({ initial: 's1', states: { s0: { on: { tick: { target: 's1', actions: write('d', 1) } } }, s1: { tags: ['end'], on: { again: { target: 's0', actions: write('d', 0) } } } } });
  return defineSystem({
    actors: {
      t: { machine: t, spontaneous: [{ type: 'tick' }], reads: ['c'] },
      u1: { machine: u1 }, u2: { machine: u2 },
      e: { machine: e, spontaneous: [{ type: 'tick' }] },
      y: { machine: y, spontaneous: [{ type: 'tick' }] },
    },
    cells: { c: 1, d: 1 }, memory, fairness: 'weak',
    properties: { live: eventually((g) => g.actors.t.matches('s1'), { actors: ['t'] }) },
  });
}
