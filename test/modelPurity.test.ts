// Model code the checker cannot trust is reported, never silently explored: a guard or action whose result
// depends on hidden state (the purity audit of memoised transitions), a cell read that `reads` does not
// declare, a raised event no transition takes, a macrostep that never settles.
import { describe, expect, test } from 'vitest';
import { assign, createMachine, raise, setup } from 'xstate';
import { cellsOf, explore, invariant, post, write } from '../checker/index.ts';
import type { CheckResult, SystemDefinition, Violation } from '../checker/index.ts';
import { withShortest } from '../checker/shortestAgain.ts';
import { runMain } from './cliInProcess.ts';
import { UNREDUCED } from './support/unreduced.ts';

/** A worker that may `try` to enter the critical section while the shared `lock` is free. */
function lockedWorkers(guard: () => boolean): SystemDefinition {
  const worker = setup({ guards: { lucky: guard } }).createMachine({
    id: 'worker', initial: 'idle',
    states: {
      idle: { on: { try: [{ guard: 'lucky', target: 'critical', actions: write('lock', true) }] } },
      critical: { on: { leave: { target: 'idle', actions: write('lock', false) } } },
    },
  });
  return {
    actors: { a: { machine: worker, spontaneous: [{ type: 'try' }, { type: 'leave' }] }, b: { machine: worker, spontaneous: [{ type: 'try' }, { type: 'leave' }] } },
    cells: { lock: false },
    deadlock: false,
  };
}

describe('the purity audit of memoised transitions', () => {
  test('a guard reading Math.random() is a modelError naming actor, state and event, in every one of 50 runs', () => {
    for (let run = 0; run < 50; run++) {
      const r = explore(lockedWorkers(() => Math.random() < 0.5));
      expect(r.verdict).toBe('violated');
      expect(r.violations[0].property).toBe('modelError');
      expect(r.violations[0].message).toMatch(/^[ab] in state "idle" gave a different result for 'try' when the same transition was re-run .*pure functions of context, event and the cells read/);
    }
  });

  test('a guard counting its calls in a closure is a modelError', () => {
    for (const counting of [(n: number) => n % 2 === 0, (n: number) => n < 5, (n: number) => n > 5]) {
      let calls = 0;
      const r = explore(lockedWorkers(() => counting(++calls)));
      expect(r.violations[0]?.property).toBe('modelError');
      expect(r.violations[0].message).toMatch(/'try'/);
    }
  });

  test('hidden state set by an action and read by a later guard is caught on reuse', () => {
    // `entered` flips the first time anyone enters: from then on the guard answers differently for the
    // same (state, event), which only a re-run after the first use can see.
    let entered = false;
    const worker = setup({ guards: { first: () => !entered }, actions: { note: () => { entered = true; } } }).createMachine({
      id: 'w', initial: 'idle',
      states: { idle: { on: { try: [{ guard: 'first', target: 'done', actions: 'note' }] } }, done: { tags: ['end'] } },
    });
    const r = explore({ actors: { a: { machine: worker, spontaneous: [{ type: 'try' }] }, b: { machine: worker, spontaneous: [{ type: 'try' }] } }, deadlock: false });
    expect(r.violations[0]?.property).toBe('modelError');
  });

  /**
   * A receiver whose guard for 'ping' reads hidden state that a bumper's second step changes: the
   * receiver takes 'ping' in 'idle' first with hidden = 0, and the next delivery of 'ping' in 'idle', a
   * memo hit, re-runs the guard and sees the change.
   */
  const hiddenPing = (): SystemDefinition => {
    let hidden = 0;
    const sender = createMachine({ id: 's', initial: 'idle', states: { idle: { on: { send: { target: 'sent', actions: post('receiver', { type: 'ping' }) } } }, sent: {} } });
    const bumper = createMachine({ id: 'b', initial: 'b0', states: { b0: { on: { step: 'b1' } }, b1: { on: { step: { target: 'b2', actions: () => { hidden++; } } } }, b2: {} } });
    const receiver = createMachine({ id: 'r', initial: 'idle', states: { idle: { on: { ping: { guard: () => hidden === 0, target: 'got' } } }, got: {} } });
    return {
      actors: { sender: { machine: sender, spontaneous: [{ type: 'send' }] }, bumper: { machine: bumper, spontaneous: [{ type: 'step' }] }, receiver: { machine: receiver } },
      deadlock: false,
    };
  };
  const pingChanged = /^receiver in state "idle" gave a different result for 'ping' when the same transition was re-run/;

  test('hidden state read by the guard of a delivered event is caught on reuse, as for a spontaneous one', () => {
    // The explorer keeps a delivery's transition per situation only once it has passed its audit.
    const r = explore(hiddenPing(), UNREDUCED);
    expect(r.violations[0]?.property).toBe('modelError');
    expect(r.violations[0].message).toMatch(pingChanged);
  });

  test('with the partial-order reduction, the modelError stays when the search again for a shortest counterexample does not meet it', () => {
    // The search again compiles the definition afresh, after hidden changed: there 'ping' is never taken,
    // an unhandledEvent; the report is still the modelError, with the reduced search's counterexample.
    const r = explore(hiddenPing());
    expect(r.stats.partialOrder?.reducedStates).toBeGreaterThan(0);
    expect(r.violations.map((v) => v.property)).toEqual(['modelError']);
    expect(r.violations[0].message).toMatch(pingChanged);
    expect(r.stats.partialOrder?.shortest?.stopped).toMatch(/^no modelError within \d+ steps \(model code whose results changed/);
  });

  test("only the audit's modelError is kept over the search again's violation: a guard that threw is searched again as any violation", () => {
    const result = (violations: Violation[]): CheckResult => ({
      verdict: 'violated', violations, goals: [], bounds: [], memory: 'sc', memoryCaveat: null,
      stats: { states: 10, transitions: 20, depth: 3, seconds: 0.1, statesPerSec: 100, bytesPerState: 50, localTransitions: 5, queued: 0, partialOrder: { applied: true, note: '', reducedStates: 4 } },
    });
    const step = { actor: 'a', kind: 'spontaneous', event: { type: 'go' } } as const;
    const shorter = { property: 'unhandledEvent', message: 'a in state "idle" has no transition for delivered message \'ping\'', steps: [step] };
    const threw = { property: 'modelError', message: "a's guard threw: boom", steps: [step, step, step] };
    const impure = { property: 'modelError', message: `a in state "idle" gave a different result for 'go' when the same transition was re-run (next state first 1, then 2): guards and actions must be pure`, steps: [step, step, step] };
    expect(withShortest(result([threw]), result([shorter]), 3).violations).toEqual([shorter]);
    const kept = withShortest(result([impure]), result([shorter]), 3);
    expect(kept.violations).toEqual([impure]);
    expect(kept.stats.partialOrder?.shortest?.stopped).toMatch(/^no modelError within 3 steps/);
  });

  test('a pure model passes the audit (and paranoid mode) with the same statistics', () => {
    const pure = lockedWorkers(() => true);
    const plain = explore(pure);
    const paranoid = explore(pure, { paranoid: true });
    expect(plain.verdict).toBe('verified');
    expect(paranoid.verdict).toBe('verified');
    expect(paranoid.stats.states).toBe(plain.stats.states);
    expect(paranoid.stats.localTransitions).toBe(plain.stats.localTransitions);
  });

  test('paranoid mode audits every transition, not only the sample: an impure action past the sampled entries is caught', () => {
    // 200 distinct counter values, one local state each; only the action leaving n = 150 is impure, and
    // an action (unlike a guard) runs only when the whole transition is re-run.
    let k = 0;
    const counter = createMachine({
      id: 'c', initial: 'run', context: { n: 0, mark: 0 },
      states: {
        run: { on: { tick: { guard: ({ context }) => context.n < 199, actions: assign({ n: ({ context }) => context.n + 1, mark: ({ context }) => (context.n === 150 ? ++k : 0) }) } } },
      },
    });
    const def: SystemDefinition = { actors: { c: { machine: counter, spontaneous: [{ type: 'tick' }] } }, deadlock: false };
    expect(explore(def).verdict).toBe('verified'); // the default sample does not reach it: the price of a cheap audit
    const r = explore(def, { paranoid: true });
    expect(r.violations[0]?.property).toBe('modelError');
    expect(r.violations[0].message).toMatch(/^c in state "run" gave a different result for 'tick' when the same transition was re-run \(next state first/);
  });
});

describe('cells a machine reads', () => {
  const reader = (reads: string[]) => {
    const m = createMachine({ id: 'r', initial: 'look', states: { look: { on: { go: [{ guard: ({ event }) => cellsOf(event).slot === null, target: 'empty' }, { target: 'full' }] } }, empty: { tags: ['end'] }, full: { tags: ['end'] } } });
    return { actors: { r: { machine: m, spontaneous: [{ type: 'go' }], reads } }, cells: { slot: null, other: 1 } } satisfies SystemDefinition;
  };

  test('reading a cell not declared in `reads` is a modelError naming the cell and the actor, not undefined', () => {
    const r = explore(reader(['other']));
    expect(r.violations[0]?.property).toBe('modelError');
    expect(r.violations[0].message).toMatch(/^r threw while handling 'go': .*cell 'slot' is read but not declared in r's `reads` \(it reads other\)/);
  });

  test('reading a cell with no `reads` at all is a modelError naming the cell', () => {
    const r = explore(reader([]));
    expect(r.violations[0]?.property).toBe('modelError');
    expect(r.violations[0].message).toMatch(/^r threw while handling 'go': .*cell 'slot' is read, but this event carries no cells/);
  });

  test('a declared read works as before', () => {
    expect(explore(reader(['slot'])).verdict).toBe('verified');
  });
});

describe('raised events', () => {
  test('a raised event no transition takes is an unhandledEvent violation naming actor, state and event', () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { on: { go: { target: 'b', actions: raise({ type: 'ping' }) } } }, b: { tags: ['end'] } } });
    const r = explore({ actors: { m: { machine: m, spontaneous: [{ type: 'go' }] } } });
    expect(r.violations[0]).toMatchObject({ property: 'unhandledEvent', message: `m in state "b" has no transition for raised 'ping'` });
    expect(r.violations[0].steps).toHaveLength(1);
  });

  test('a raise on the way into a final state is dropped too: unhandledEvent', () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { on: { go: { target: 'b', actions: raise({ type: 'ping' }) } } }, b: { type: 'final' } } });
    const r = explore({ actors: { m: { machine: m, spontaneous: [{ type: 'go' }] } } });
    expect(r.violations[0]).toMatchObject({ property: 'unhandledEvent', message: `m in state "b" has no transition for raised 'ping'` });
  });

  test('a raised event taken by a transition is fine, and so is one raised by the initial state', () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { entry: raise({ type: 'ping' }), on: { ping: 'b' } }, b: { on: { go: { target: 'c', actions: raise({ type: 'pong' }) } } }, c: { on: { pong: 'd' } }, d: { tags: ['end'] } } });
    expect(explore({ actors: { m: { machine: m, spontaneous: [{ type: 'go' }] } } }).verdict).toBe('verified');
  });

  test('an unhandled event raised by the initial state is a zero-step unhandledEvent violation', () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { entry: raise({ type: 'ping' }), tags: ['end'] } } });
    const r = explore({ actors: { m: { machine: m } } });
    expect(r.violations[0]).toMatchObject({ property: 'unhandledEvent', message: `m in state "a" has no transition for raised 'ping'`, steps: [] });
  });
});

describe('a macrostep that never settles', () => {
  test('an `always` loop is a modelError naming actor, state and event instead of a hang', () => {
    const m = createMachine({ id: 'm', initial: 'a', context: { n: 0 }, states: { a: { on: { go: 'spin' } }, spin: { always: { target: 'spin', reenter: true, actions: assign({ n: ({ context }) => context.n + 1 }) } } } });
    const r = explore({ actors: { m: { machine: m, spontaneous: [{ type: 'go' }] } } });
    expect(r.violations[0]?.property).toBe('modelError');
    expect(r.violations[0].message).toMatch(/^m in state "a": handling 'go' did not settle within 1000 microsteps \(an `always` or `raise` loop/);
  });

  test('a `raise` loop is a modelError too', () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { on: { go: 'b' } }, b: { entry: raise({ type: 'again' }), on: { again: { target: 'b', reenter: true } } } } });
    const r = explore({ actors: { m: { machine: m, spontaneous: [{ type: 'go' }] } } });
    expect(r.violations[0]?.message).toMatch(/^m in state "a": handling 'go' did not settle/);
  });

  test('a loop in the initial macrostep is a zero-step modelError', () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { always: { target: 'b' } }, b: { always: { target: 'a' } } } });
    const r = explore({ actors: { m: { machine: m } } });
    expect(r.violations[0]).toMatchObject({ property: 'modelError', steps: [] });
    expect(r.violations[0].message).toMatch(/^m: its initial macrostep did not settle within 1000 microsteps/);
  });

  test("the checker's cap is lifted off the machine afterwards", () => {
    const m = createMachine({ id: 'm', initial: 'a', states: { a: { on: { go: 'b' } }, b: { tags: ['end'] } } });
    explore({ actors: { m: { machine: m, spontaneous: [{ type: 'go' }] } } });
    expect(m.options.maxIterations).toBe(Infinity);
    expect(Object.hasOwn(m, 'getTransitionData')).toBe(false);
  });
});

describe('the command', () => {
  test('check --paranoid reports an impure model as modelError (exit 1), in JSON too', async () => {
    const r = await runMain(['check', 'test/fixtures/impureGuard.ts', '--format', 'json', '-q', '--paranoid']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'violated', property: 'modelError' });
    expect(JSON.parse(r.stdout).message).toMatch(/^a in state "idle" gave a different result for 'try'/);
  });
});

describe('found in review', () => {
  test("an event type's first taken transition is audited even after untaken probes of it", () => {
    // `x` is probed (not accepted) while n < 3; the first time it is taken, its action reads hidden state.
    let hidden = 0;
    const m = setup({}).createMachine({
      initial: 'a', context: { n: 0, r: 0 },
      states: {
        a: {
          on: {
            inc: { guard: ({ context }) => context.n < 3, actions: assign({ n: ({ context }) => context.n + 1 }) },
            x: { guard: ({ context }) => context.n === 3, target: 'c', actions: assign({ r: () => (hidden++ === 0 ? 0 : 999) }) },
          },
        },
        c: { tags: ['end'] },
      },
    });
    const r = explore({
      actors: { k: { machine: m, spontaneous: [{ type: 'inc' }, { type: 'x' }] } },
      properties: { fine: invariant((g) => g.actors.k.context.r !== 999) },
    });
    expect(r.violations.map((v) => v.property)).toEqual(['modelError']);
  });

  test("`'c' in event.cells` for an undeclared cell is a modelError, not false", () => {
    const m = setup({}).createMachine({
      initial: 'a',
      states: { a: { on: { go: [{ guard: ({ event }) => 'flag' in cellsOf(event), target: 'b' }, { target: 'c' }] } }, b: { tags: ['end'] }, c: { tags: ['end'] } },
    });
    const r = explore({ actors: { k: { machine: m, reads: ['x'], spontaneous: [{ type: 'go' }] } }, cells: { x: 0, flag: 0 } });
    expect(r.violations[0]?.property).toBe('modelError');
    expect(r.violations[0]?.message).toMatch(/cell 'flag' is read but not declared/);
  });

  test("an event's cells kept in context are shown, not an internal error", () => {
    const m = setup({}).createMachine({
      initial: 'a', context: { saved: null as unknown },
      states: { a: { on: { go: { target: 'b', actions: assign({ saved: ({ event }) => (event as any).cells }) } } }, b: { tags: ['end'] } },
    });
    const r = explore({
      actors: { k: { machine: m, reads: ['x'], spontaneous: [{ type: 'go' }] } }, cells: { x: 7 },
      properties: { neverSeven: invariant((g) => (g.actors.k.context.saved as any)?.x !== 7 || 'saved x = 7') },
    });
    expect(r.violations.map((v) => [v.property, v.message])).toEqual([['neverSeven', 'saved x = 7']]);
  });

  test('a raised event named xstate.* by the user that nothing takes is an unhandledEvent', () => {
    const m = setup({}).createMachine({
      initial: 'a',
      states: { a: { on: { go: { target: 'b', actions: raise({ type: 'xstate.custom' }) } } }, b: { tags: ['end'] } },
    });
    const r = explore({ actors: { k: { machine: m, spontaneous: [{ type: 'go' }] } } });
    expect(r.violations[0]?.property).toBe('unhandledEvent');
  });
});
