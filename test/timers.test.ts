// Timers keep their deadlines (README, "Time"): the 100 ms / 360 s pair, twins armed one after the
// other, targetless `after` firing once per entry, and the `unordered` over-approximation.
import { describe, expect, test } from 'vitest';
import { assign, setup } from 'xstate';
import { defineSystem, explore, invariant, post, Execution } from '../checker/index.ts';
import { bruteForce } from './reference/bruteForce.ts';

/** A host that opens a channel: its 100 ms mitigation timer beside the guest's 360 s boot watchdog. */
function mitigationBesideWatchdog(timers?: 'deadline' | 'unordered') {
  const host = setup({}).createMachine({
    initial: 'opened',
    states: {
      opened: { after: { 100: { target: 'mitigated', actions: post('guest', { type: 'interrupt' }) } } },
      mitigated: { tags: ['end'] },
    },
  });
  const guest = setup({}).createMachine({
    initial: 'waiting',
    states: {
      waiting: { on: { interrupt: 'reading' }, after: { 360000: 'timedOut' } },
      reading: { tags: ['end'], on: { interrupt: {} } },
      timedOut: { tags: ['end'], on: { interrupt: {} } },
    },
  });
  return defineSystem({
    actors: { host: { machine: host }, guest: { machine: guest } },
    properties: { bootsInTime: invariant((g) => !g.actors.guest.matches('timedOut') || 'the boot watchdog fired') },
    ...(timers ? { timers } : {}),
  });
}

describe('deadline-ordered timers', () => {
  test('a 100 ms timer fires before a 360 s one armed at the same moment', () => {
    // (opened, waiting) -host's 100 ms timer-> (mitigated, waiting, interrupt in flight) -deliver->
    // (mitigated, reading): 3 states; the watchdog never fires.
    const r = explore(mitigationBesideWatchdog());
    expect([r.verdict, r.stats.states]).toEqual(['verified', 3]);
    const ref = bruteForce(mitigationBesideWatchdog());
    expect([ref.states, [...ref.violated]]).toEqual([3, []]);
  });

  test("under timers: 'unordered' the watchdog may fire first (the over-approximation)", () => {
    const r = explore(mitigationBesideWatchdog('unordered'));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('bootsInTime');
    expect(r.violations[0].steps.map((s) => s.event.type)).toEqual(['xstate.after.360000.(machine).waiting']);
  });

  test('of two timers with the same delay, the one armed later fires later', () => {
    // first arms its 100 ms timer at the start; second only after a spontaneous step (no time passes,
    // since a step was enabled), so both are due at once and first's, armed earlier, fires first.
    const timed = (name: string, startArmed: boolean) => setup({}).createMachine({
      id: name,
      initial: startArmed ? 'armed' : 'idle',
      states: {
        idle: { on: { arm: 'armed' } },
        armed: { after: { 100: { target: 'fired', actions: post('log', { type: name }) } } },
        fired: { tags: ['end'] },
      },
    });
    const log = setup({}).createMachine({
      initial: 'listening',
      states: {
        listening: { tags: ['end'], on: { first: 'gotFirst', second: 'gotSecondFirst' } },
        gotFirst: { tags: ['end'], on: { second: 'both' } },
        gotSecondFirst: { tags: ['end'], on: { first: {} } },
        both: { tags: ['end'] },
      },
    });
    const firstOnly = defineSystem({
      actors: { first: { machine: timed('first', true) }, second: { machine: timed('second', false), spontaneous: [{ type: 'arm' }] }, log: { machine: log } },
      properties: { inOrder: invariant((g) => !g.actors.log.matches('gotSecondFirst') || 'second fired before first') },
    });
    const r = explore(firstOnly);
    expect(r.verdict).toBe('verified');
    expect(bruteForce(firstOnly).violated.size).toBe(0);
    const unordered = explore({ ...firstOnly, timers: 'unordered' });
    expect(unordered.verdict).toBe('violated');
  });

  test('a targetless after fires once per entry of its state, as in a real XState actor', () => {
    const pinger = setup({}).createMachine({
      initial: 'on',
      states: { on: { after: { 10: { actions: post('counter', { type: 'ping' }) } }, on: { restart: { target: 'on', reenter: true } } } },
    });
    const counter = setup({ types: {} as { context: { n: number } } }).createMachine({
      initial: 'counting', context: { n: 0 },
      states: { counting: { tags: ['end'], on: { ping: { actions: ({ context }) => void context } } } },
    });
    const once = defineSystem({ actors: { pinger: { machine: pinger }, counter: { machine: counter } }, deadlock: false });
    const ex = new Execution(once);
    let v = ex.initial().state!;
    expect(ex.enabled(v).map((s) => s.kind)).toEqual(['timer']);
    v = ex.apply(v, ex.enabled(v)[0])!.state!;
    v = ex.apply(v, ex.enabled(v)[0])!.state!; // the ping is delivered
    expect(ex.enabled(v)).toEqual([]); // the timer does not re-arm itself
    // Re-entering the state arms it again: the counter asks for one restart after the first ping,
    // which allows exactly one more.
    const counting = setup({ types: {} as { context: { n: number } } }).createMachine({
      initial: 'counting', context: { n: 0 },
      states: {
        counting: {
          tags: ['end'],
          on: { ping: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
          always: { guard: ({ context }) => context.n === 1, target: 'asked', actions: post('pinger', { type: 'restart' }) },
        },
        asked: { tags: ['end'], on: { ping: { actions: assign({ n: ({ context }) => context.n + 1 }) } } },
      },
    });
    const again = defineSystem({
      actors: { pinger: { machine: pinger }, counter: { machine: counting } },
      deadlock: false,
      properties: {
        twoPings: invariant((g) => (g.actors.counter.context as { n: number }).n < 2 || 'two pings'),
        atMostTwo: invariant((g) => (g.actors.counter.context as { n: number }).n <= 2 || 'three pings'),
      },
    });
    const r = explore(again, { allViolations: true });
    expect(r.violations.map((x) => x.property)).toEqual(['twoPings']);
    const ref = bruteForce(again);
    expect([ref.states, [...ref.violated]]).toEqual([r.stats.states, ['twoPings']]);
  });
});

test("a timers setting other than 'deadline' or 'unordered' is a clear definition error", () => {
  expect(() => defineSystem({ ...mitigationBesideWatchdog(), timers: 'fast' as never })).toThrow("`timers` must be 'deadline' or 'unordered'");
});
