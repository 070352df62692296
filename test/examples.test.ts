// Textbook models with answers known independently of the checker.
import { describe, expect, test } from 'vitest';
import { Execution, explore } from '../checker/index.ts';
import { lostWakeup } from '../models/examples/lostWakeup.ts';
import { peterson } from '../models/examples/peterson.ts';
import { bruteForce, referenceReplay } from './reference/bruteForce.ts';
import { replayViolation } from './reference/replay.ts';
import { UNREDUCED } from './support/unreduced.ts';

describe("Peterson's mutual exclusion", () => {
  // SPIN 6.5.2 on test/reference/peterson.pml (one Promela statement per XState step; statement merging
  // and partial-order reduction off: `spin -o3 -a`, `gcc -DNOREDUCE -DSAFETY`, `./pan`; the commands are
  // in the .pml file) reports 34 states stored and 63 transitions for the correct protocol, and 50 states
  // and 97 transitions for the broken one. SPIN counts "stored + matched", i.e. one more than the edges
  // of the state graph (the initial state is stored without a transition): 62 and 96 edges.
  test('is verified, with the state graph SPIN finds: 34 states, 62 transitions', () => {
    const r = explore(peterson(), UNREDUCED);
    expect(r.verdict).toBe('verified');
    expect(r.violations).toEqual([]);
    expect(r.bounds).toEqual([]);
    expect(r.stats.states).toBe(34);
    expect(r.stats.transitions).toBe(62);
    const ref = bruteForce(peterson());
    expect([ref.states, ref.transitions, ref.violated.size]).toEqual([34, 62, 0]);
  });

  // Shortest counterexample, 8 steps. Each process needs its 4 steps to get in (leave idle, store turn,
  // store its flag, pass the wait guard), so no run is shorter; and 8 suffice: p0 leaves idle and stores
  // turn = 1; p1 leaves idle, stores turn = 0, stores flag1 and enters (flag0 is still false); then p0
  // stores flag0 and enters too, since turn == 0 is its own number. SPIN (`pan -i` with -DREACH) finds
  // the same 8 process steps.
  test('broken (stores swapped) lets both in: shortest counterexample of 8 steps', () => {
    const r = explore(peterson(true), UNREDUCED);
    expect(r.verdict).toBe('violated');
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0];
    expect(v.property).toBe('mutualExclusion');
    expect(v.steps).toHaveLength(8);
    expect(v.steps.filter((s) => s.actor === 'p0')).toHaveLength(4);
    expect(v.steps.every((s) => s.kind === 'spontaneous')).toBe(true);
    expect(replayViolation(peterson(true), v)).toBe(8);
    expect(referenceReplay(peterson(true), v.property, v.steps)).toBe(8);

    const ex = new Execution(peterson(true));
    let state = ex.initial().state!;
    for (const step of v.steps) state = ex.apply(state, step)!.state!;
    const g = ex.materialize(state);
    expect([g.actors.p0.value, g.actors.p1.value]).toEqual(['critical', 'critical']);
    // Both flags are up: each process entered without waiting for the other to lower its flag.
    expect([g.cells.flag0, g.cells.flag1]).toEqual([true, true]);
  });

  test('broken, collecting all violations: the whole 50-state graph SPIN finds', () => {
    const r = explore(peterson(true), { ...UNREDUCED, allViolations: true });
    expect(r.stats.states).toBe(50);
    expect(r.stats.transitions).toBe(96);
    expect(r.violations.map((v) => v.property)).toEqual(['mutualExclusion']);
    expect(bruteForce(peterson(true)).states).toBe(50);
  });
});

describe('lost wakeup', () => {
  // Shortest stall, 5 steps then the watchdog. The consumer must see count == 0, so its first `run`
  // comes before the producer's store; the wakeup must be delivered (and dropped) before the consumer
  // is asleep, or it would wake it; and the stall needs the consumer asleep with count = 1:
  //   consumer run (check -> goingToSleep), producer run (count = 1), producer run (post wakeup),
  //   deliver wakeup to the consumer (dropped in goingToSleep), consumer run (-> asleep);
  // then only the consumer's timer can fire, and the counterexample ends with it.
  test('stalls: an item is ready but the consumer sleeps', () => {
    const r = explore(lostWakeup(), UNREDUCED);
    expect(r.verdict).toBe('violated');
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0];
    expect(v.property).toBe('lostWakeup');
    expect(v.steps.map((s) => `${s.actor} ${s.kind} ${s.event.type}`)).toEqual([
      'consumer spontaneous run',
      'producer spontaneous run',
      'producer spontaneous run',
      'consumer deliver wakeup',
      'consumer spontaneous run',
      `consumer timer ${v.steps[5].event.type}`,
    ]);
    expect(v.steps[5].event.type).toMatch(/^xstate\.after\.1000\./);
    expect(replayViolation(lostWakeup(), v)).toBe(5);
    expect(referenceReplay(lostWakeup(), v.property, v.steps)).toBe(5);
  });

  test('fixed (check and sleep in one step) is verified, and agrees with the reference', () => {
    const r = explore(lostWakeup(true), UNREDUCED);
    expect(r.verdict).toBe('verified');
    const ref = bruteForce(lostWakeup(true));
    expect(ref.violated.size).toBe(0);
    expect(r.stats.states).toBe(ref.states);
    expect(r.stats.transitions).toBe(ref.transitions);
  });
});

describe('the soundness check itself rejects wrong counterexamples', () => {
  test('tampered counterexamples do not replay', () => {
    const [broken] = explore(peterson(true), UNREDUCED).violations;
    expect(() => replayViolation(peterson(true), { ...broken, steps: broken.steps.slice(0, -1) })).toThrow(/final state satisfies it/);
    expect(() => replayViolation(peterson(true), { ...broken, property: 'deadlock' })).toThrow(/enabled/);
    const [stalled] = explore(lostWakeup(), UNREDUCED).violations;
    const withoutDelivery = stalled.steps.filter((s) => s.kind !== 'deliver');
    expect(() => replayViolation(lostWakeup(), { ...stalled, steps: withoutDelivery })).toThrow(/not enabled/);
    expect(() => replayViolation(lostWakeup(true), stalled)).toThrow(/unsound/);
  });
});
