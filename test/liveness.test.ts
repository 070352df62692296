// Liveness under fairness on textbook cases whose answers are known independently of the checker:
// an unfair (test-and-set) and a fair (Peterson) mutex, a busy actor beside one that must finish, a
// livelock, and a reader starved by a writer-preferring lock. Each lasso found is re-executed with
// Execution and its fairness judged here, plainly, from the steps enabled along it.
import { assign, setup } from 'xstate';
import { describe, expect, test } from 'vitest';
import { alwaysEventually, cellsOf, defineSystem, eventually, Execution, explore, Exploration, leadsTo, write } from '../checker/index.ts';
import type { Fairness, Property, SystemDefinition, Violation } from '../checker/index.ts';
import { peterson } from '../models/examples/peterson.ts';
import { tasMutex } from './support/livenessSystems.ts';

const run = [{ type: 'run' }];

/**
 * Re-executes a lasso: the cycle must return to the state it starts in, and under weak fairness every
 * actor enabled in all of its states must step on it (strong: every actor enabled in one of them).
 */
function checkLasso(system: SystemDefinition, v: Violation, strong: string[] = []): void {
  expect(typeof v.cycleStart).toBe('number');
  const exec = new Execution(system);
  let state = exec.initial().state!;
  const states: Int32Array[] = [state];
  for (const step of v.steps) {
    const out = exec.apply(state, step);
    expect(out?.state, `${step.actor} ${step.kind} ${step.event.type}`).toBeDefined();
    state = out!.state!;
    states.push(state);
  }
  const start = v.cycleStart!;
  expect([...states[states.length - 1]]).toEqual([...states[start]]);
  const cycle = v.steps.slice(start);
  const cycleStates = states.slice(start, states.length - 1);
  expect(cycle.length).toBeGreaterThan(0);
  for (const actor of Object.keys(system.actors)) {
    const moves = cycle.some((s) => s.actor === actor);
    const enabledIn = cycleStates.map((s) => exec.enabled(s).some((e) => e.actor === actor));
    if (system.fairness !== 'none') expect(moves || enabledIn.includes(false), `${actor} is weakly treated unfairly`).toBe(true);
    if (strong.includes(actor)) expect(moves || !enabledIn.includes(true), `${actor} is strongly treated unfairly`).toBe(true);
  }
}

describe('an unfair mutex (test-and-set): b can starve', () => {
  test('without fairness: a runs round the lock forever while b waits', () => {
    const r = explore(tasMutex('none'));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('bEnters');
    checkLasso(tasMutex('none'), r.violations[0]);
  });

  test('under weak fairness too: b is disabled whenever a holds the lock, so it is not enabled forever', () => {
    const r = explore(tasMutex('weak'));
    expect(r.verdict).toBe('violated');
    const v = r.violations[0];
    checkLasso(tasMutex('weak'), v);
    expect(v.steps.slice(v.cycleStart!).every((s) => s.actor === 'a')).toBe(true);
    expect(v.message).toMatch(/^b waits for the lock, from step 1 on, and the goal never follows: a fair run repeats steps 2-4 forever$/);
  });

  test('strong fairness for b: b is enabled infinitely often, so it enters', () => {
    const r = explore(tasMutex({ strong: ['b'] }));
    expect(r.verdict).toBe('verified');
    expect(r.violations).toEqual([]);
  });

  test('strong fairness for the event: the same, named as (actor, event)', () => {
    expect(explore(tasMutex({ strong: [{ actor: 'b', event: 'run' }] })).verdict).toBe('verified');
    expect(explore(tasMutex({ strong: [{ actor: 'b', event: 'other' }] })).verdict).toBe('violated');
  });

  test('a bound hit makes the verdict bounded, never verified', () => {
    const r = explore(tasMutex({ strong: ['b'] }), { maxStates: 5 });
    expect(r.verdict).toBe('bounded');
    const d = explore(tasMutex({ strong: ['b'] }), { maxDepth: 2 });
    expect(d.verdict).toBe('bounded');
  });
});

describe("a fair mutex (Peterson's)", () => {
  const withLiveness = (fairness: Fairness) => ({
    ...peterson(),
    fairness,
    properties: { p0Enters: leadsTo((g) => g.actors.p0.matches('wait'), (g) => g.actors.p0.matches('critical')) },
  });
  // Peterson's algorithm has bounded waiting: once p0 waits, p1 enters at most once more and then
  // blocks on turn, so p0 is the only actor that can step. Even with no fairness at all every infinite
  // run lets p0 in.
  test.each(['weak', 'none'] as const)('p0 waiting leads to p0 in the critical section (fairness %s)', (fairness) => {
    const r = explore(withLiveness(fairness));
    expect(r.verdict).toBe('verified');
    expect(r.stats.states).toBe(34);
  });
});

/** An actor that spins forever (a polling loop) beside one with work to finish. */
function spinnerAndWorker(fairness: Fairness, property: Property): SystemDefinition {
  const spinner = setup({}).createMachine({
    initial: 'polling',
    states: { polling: { tags: ['end'], on: { run: 'polled' } }, polled: { tags: ['end'], on: { run: 'polling' } } },
  });
  const worker = setup({}).createMachine({
    initial: 'start',
    states: { start: { on: { run: { target: 'done', actions: write('done', true) } } }, done: { tags: ['end'] } },
  });
  return defineSystem({
    actors: { spinner: { machine: spinner, spontaneous: run }, worker: { machine: worker, spontaneous: run } },
    cells: { done: false },
    fairness,
    properties: { finishes: property },
  });
}

describe('a busy actor beside one that must finish', () => {
  const finishes = eventually((g) => g.cells.done === true);
  test('without fairness the spinner can run forever: a two-step cycle from the initial state', () => {
    const sys = spinnerAndWorker('none', finishes);
    const r = explore(sys);
    expect(r.verdict).toBe('violated');
    const v = r.violations[0];
    expect(v.steps.map((s) => s.actor)).toEqual(['spinner', 'spinner']);
    expect(v.cycleStart).toBe(0);
    expect(v.message).toBe('the goal never holds: a fair run repeats steps 1-2 forever');
    checkLasso(sys, v);
  });

  test('under weak fairness the worker, enabled forever, must step', () => {
    expect(explore(spinnerAndWorker('weak', finishes)).verdict).toBe('verified');
  });

  test('a run that ends with the obligation open is a violation (a finite maximal run), with no cycle', () => {
    const never = eventually((g) => g.cells.done === 'never');
    const sys = spinnerAndWorker('weak', never);
    sys.actors.spinner.spontaneous = [];
    const r = explore(sys);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].cycleStart).toBeNull();
    expect(r.violations[0].steps).toHaveLength(1);
    expect(r.violations[0].message).toBe('the goal never holds: the run ends after step 1 with nothing left to fire');
  });

  test('alwaysEventually: the goal must keep coming back, not only once', () => {
    const again = alwaysEventually((g) => g.cells.done === false);
    const r = explore(spinnerAndWorker('weak', again));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].message).toMatch(/^the goal never holds from step \d on: a fair run repeats steps \d-\d forever$/);
    expect(r.violations[0].steps.slice(0, r.violations[0].cycleStart!).some((s) => s.actor === 'worker')).toBe(true);
    expect(explore(spinnerAndWorker('weak', alwaysEventually(() => true))).verdict).toBe('verified');
  });

  test('a trigger or goal that throws is a modelError', () => {
    const r = explore(spinnerAndWorker('weak', leadsTo(() => { throw new Error('boom'); }, () => true)));
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toContain("finishes's trigger threw: boom");
  });
});

/** Two polite processes: raise my flag; if the other's is up, lower mine and retry. */
function politeProcess(me: string, other: string) {
  return setup({}).createMachine({
    initial: 'idle',
    states: {
      idle: { on: { run: { target: 'check', actions: write(me, 1) } } },
      check: {
        on: {
          run: [
            { guard: ({ event }) => cellsOf(event)[other] === 1, target: 'idle', actions: write(me, 0) },
            { target: 'critical' },
          ],
        },
      },
      critical: { on: { run: { target: 'idle', actions: write(me, 0) } } },
    },
  });
}

describe('a livelock', () => {
  // Both raise their flags, both see the other's and back off, forever: every actor keeps stepping, so
  // no fairness rules the run out.
  test('is found even with strong fairness for both processes', () => {
    const sys = defineSystem({
      actors: {
        a: { machine: politeProcess('fa', 'fb'), spontaneous: run, reads: ['fa', 'fb'] },
        b: { machine: politeProcess('fb', 'fa'), spontaneous: run, reads: ['fa', 'fb'] },
      },
      cells: { fa: 0, fb: 0 },
      fairness: { strong: ['a', 'b'] },
      properties: { aEnters: leadsTo((g) => g.actors.a.matches('check'), (g) => g.actors.a.matches('critical')) },
    });
    const r = explore(sys);
    expect(r.verdict).toBe('violated');
    const v = r.violations[0];
    checkLasso(sys, v, ['a', 'b']);
    const cycle = v.steps.slice(v.cycleStart!);
    expect(new Set(cycle.map((s) => s.actor))).toEqual(new Set(['a', 'b']));
  });
});

/** A writer-preferring readers-writer lock: a reader enters only when no writer wants or holds the lock. */
function rwLock(writers: number, fairness: Fairness): SystemDefinition {
  const reader = setup({}).createMachine({
    initial: 'idle',
    states: {
      idle: { on: { run: 'waiting' } },
      waiting: { on: { run: { guard: ({ event }) => cellsOf(event).writers === 0, target: 'reading' } } },
      reading: { on: { run: 'idle' } },
    },
  });
  const writer = setup({}).createMachine({
    initial: 'idle',
    states: {
      idle: { on: { run: { target: 'wants', actions: write('writers', ({ event }) => (cellsOf(event).writers as number) + 1) } } },
      wants: { on: { run: { guard: ({ event }) => cellsOf(event).lock === 0, target: 'writing', actions: write('lock', 1) } } },
      writing: { on: { run: { target: 'idle', actions: [write('lock', 0), write('writers', ({ event }) => (cellsOf(event).writers as number) - 1)] } } },
    },
  });
  const actors: SystemDefinition['actors'] = { reader: { machine: reader, spontaneous: run, reads: ['writers'] } };
  for (let i = 1; i <= writers; i++) actors[`w${i}`] = { machine: writer, spontaneous: run, reads: ['writers', 'lock'] };
  return defineSystem({
    actors,
    cells: { writers: 0, lock: 0 },
    fairness,
    properties: { readerReads: leadsTo((g) => g.actors.reader.matches('waiting'), (g) => g.actors.reader.matches('reading')) },
  });
}

describe('a starving reader (writer-preferring lock)', () => {
  test('one writer: starves the reader under weak fairness (enabled only between writes), not under strong', () => {
    expect(explore(rwLock(1, 'weak')).verdict).toBe('violated');
    expect(explore(rwLock(1, { strong: ['reader'] })).verdict).toBe('verified');
  });

  test('two writers taking turns keep the reader disabled for ever: starved even under strong fairness', () => {
    const sys = rwLock(2, { strong: ['reader'] });
    const r = explore(sys);
    expect(r.verdict).toBe('violated');
    const v = r.violations[0];
    checkLasso(sys, v, ['reader']);
    expect(v.steps.slice(v.cycleStart!).some((s) => s.actor === 'reader')).toBe(false);
  });
});

describe('definitions', () => {
  test('fairness is validated', () => {
    expect(() => defineSystem({ ...tasMutex('weak'), fairness: 'sometimes' as never })).toThrow(/`fairness` must be/);
    expect(() => defineSystem({ ...tasMutex('weak'), fairness: { strong: ['nobody'] } })).toThrow(/unknown actor 'nobody'/);
  });

  test('a system with no liveness property records no edges (safety runs keep their memory)', () => {
    const safety = explore(peterson());
    const live = explore({ ...peterson(), properties: { ...peterson().properties, p0: leadsTo(() => false, () => true) } });
    expect(live.stats.states).toBe(safety.stats.states);
    expect(live.stats.bytesPerState).toBeGreaterThan(safety.stats.bytesPerState);
  });
});

describe('a search stopped from outside', () => {
  // The mutex beside a counter of 400 values: a first slice expands a few hundred states, in which
  // (fairness none) the starving cycle already lies.
  const counter = setup({ types: {} as { context: { i: number } } }).createMachine({
    context: { i: 0 },
    on: { tick: { actions: assign({ i: ({ context }) => (context.i + 1) % 400 }) } },
  });
  const big = (): SystemDefinition => {
    const base = tasMutex('none');
    return { ...base, actors: { ...base.actors, counter: { machine: counter, spontaneous: [{ type: 'tick' }] } } };
  };

  test('a time limit still searches the part explored; Ctrl-C skips the search: bounded', () => {
    const timed = new Exploration(big());
    timed.runSlice(0);
    expect(timed.done).toBe(false);
    timed.stop('timeLimit', 'time limit reached');
    expect(timed.result().verdict).toBe('violated');
    const interrupted = new Exploration(big());
    interrupted.runSlice(0);
    interrupted.stop('interrupted', 'stopped by the user');
    expect(interrupted.result().verdict).toBe('bounded');
  });
});

describe('the fair-cycle search respects the bounds (it runs in slices, after the exploration)', () => {
  // tasMutex('none') has fewer states than the explorer expands between two checks of the clock (256)
  // and of memory (4096): the exploration itself ends within any bound, so a bound hit is the search's.
  test('a time limit that passes before the search: bounded (timeLimit), not a violation', () => {
    expect(explore(tasMutex('none')).verdict).toBe('violated');
    const r = explore(tasMutex('none'), { timeLimitSeconds: 1e-6 });
    expect(r.verdict).toBe('bounded');
    expect(r.violations).toEqual([]);
    expect(r.bounds).toEqual([{ kind: 'timeLimit', detail: expect.stringMatching(/during the fair-cycle search \(liveness properties left unjudged\)$/) }]);
  });

  test('a memory bound the search does not fit under: bounded (memory) before it allocates', () => {
    const r = explore(tasMutex('none'), { maxMemoryBytes: 2 ** 20 });
    expect(r.verdict).toBe('bounded');
    expect(r.violations).toEqual([]);
    expect(r.bounds).toEqual([{ kind: 'memory', detail: expect.stringMatching(/^memory limit of 1 MB reached before the fair-cycle search/) }]);
  });

  test('Ctrl-C between two slices of the search: bounded (interrupted); left alone, it ends violated', () => {
    const stopped = new Exploration(tasMutex('none'));
    expect(stopped.runSlice(0)).toBe(false);
    expect(stopped.result().stats.queued).toBe(0); // the exploration is over: the search is what is left
    stopped.stop('interrupted', 'stopped by the user');
    expect(stopped.done).toBe(true);
    const r = stopped.result();
    expect(r.verdict).toBe('bounded');
    expect(r.bounds).toEqual([{ kind: 'interrupted', detail: 'stopped by the user during the fair-cycle search (liveness properties left unjudged)' }]);
    const resumed = new Exploration(tasMutex('none'));
    expect(resumed.runSlice(0)).toBe(false);
    expect(resumed.runSlice()).toBe(true);
    expect(resumed.result().verdict).toBe('violated');
  });
});

describe('a run that ends exactly at the depth limit', () => {
  // A review in issue #12 found it left unjudged, with no bound recorded: `verified` at maxDepth 1.
  test('is judged: the same violation at every limit as without one', () => {
    const m = setup({}).createMachine({ initial: 'a', states: { a: { on: { go: 'b' } }, b: { tags: ['end'] } } });
    const system = defineSystem({
      name: 'ends-at-limit',
      actors: { x: { machine: m, spontaneous: [{ type: 'go' }] } },
      properties: { reachesC: eventually((g) => g.actors.x.matches('c')) },
    });
    for (const maxDepth of [undefined, 1, 2]) {
      const r = explore(system, { maxDepth });
      expect([r.verdict, r.violations.map((v) => v.property)]).toEqual(['violated', ['reachesC']]);
    }
  });
});
