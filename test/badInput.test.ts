// Bad input and bounds: every mistake a user can make in a system is either a clear SystemDefinitionError
// before exploration or a counterexample (modelError) that ends in the mistake; never a crash. Bounds
// give the verdict `bounded` naming the bound, never `verified`.
import { describe, expect, test } from 'vitest';
import { assign, createActor, createMachine, raise, setup } from 'xstate';
import { call, defineSystem, Execution, explore, fail, invariant, post, reply, stall, SystemDefinitionError, write } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { peterson } from '../models/examples/peterson.ts';
import { replayViolation } from './reference/replay.ts';

/** An actor that takes one spontaneous `go` step running `actions`, then rests in an end state. */
function oneStep(actions: any, extra: object = {}) {
  return createMachine({ id: 'one', initial: 'start', ...extra, states: { start: { on: { go: { target: 'done', actions } } }, done: { tags: ['end'] } } });
}
const single = (machine: any): SystemDefinition => ({ actors: { a: { machine, spontaneous: [{ type: 'go' }] } } });

function onlyViolation(system: SystemDefinition, property: string, message: RegExp, steps: number) {
  const r = explore(system);
  expect(r.verdict).toBe('violated');
  expect(r.violations).toHaveLength(1);
  expect(r.violations[0].property).toBe(property);
  expect(r.violations[0].message).toMatch(message);
  expect(r.violations[0].steps).toHaveLength(steps);
  replayViolation(system, r.violations[0]);
  return r.violations[0];
}

describe('unknown names', () => {
  test('a post to an unknown actor is a modelError counterexample naming it', () => {
    onlyViolation(single(oneStep(post('ghost', { type: 'hello' }))), 'modelError', /unknown actor 'ghost'/, 1);
  });

  test('a call to an unknown actor is a modelError counterexample naming it', () => {
    onlyViolation(single(oneStep(call('ghost', { type: 'hello' }))), 'modelError', /unknown actor 'ghost'/, 1);
  });

  test('a post to an unknown actor from initial entry actions fails at the initial state', () => {
    const m = createMachine({ id: 'm', initial: 's', states: { s: { entry: post('ghost', { type: 'x' }), tags: ['end'] } } });
    onlyViolation({ actors: { a: { machine: m } } }, 'modelError', /ghost/, 0);
  });

  test('a write to an unknown cell is a modelError counterexample naming it', () => {
    onlyViolation(single(oneStep(write('nowhere', 1))), 'modelError', /unknown cell 'nowhere'/, 1);
  });

  test('reading an unknown cell is a SystemDefinitionError naming actor and cell', () => {
    const def = { actors: { a: { machine: oneStep([]), reads: ['nowhere'] } }, cells: { x: 0 } };
    expect(() => defineSystem(def)).toThrow(SystemDefinitionError);
    expect(() => explore(def)).toThrow(/actor 'a' reads unknown cell 'nowhere'/);
  });

  test('an invariant that looks up an unknown actor is a modelError at the initial state, not a crash', () => {
    const def: SystemDefinition = { ...single(oneStep([])), properties: { bad: invariant((g) => g.actors.ghost.matches('x')) } };
    onlyViolation(def, 'modelError', /invariant bad threw/, 0);
  });
});

describe('values that are not XState machines', () => {
  const notMachines: [string, unknown][] = [
    ['a plain object', { states: {} }],
    ['a machine config', { id: 'x', initial: 'a', states: { a: {} } }],
    ['a function', () => 1],
    ['an actor instead of its machine', createActor(oneStep([]))],
    ['undefined', undefined],
  ];
  test.each(notMachines)('%s is a SystemDefinitionError with a one-line message', (_what, machine) => {
    const def = { actors: { driver: { machine } } } as unknown as SystemDefinition;
    let error: unknown;
    try { explore(def); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SystemDefinitionError);
    const message = (error as Error).message;
    expect(message).toMatch(/actor 'driver'.*not an XState v5 machine/);
    expect(message).not.toContain('\n');
    expect(() => defineSystem(def)).toThrow(SystemDefinitionError);
  });

  test('a system without actors is a SystemDefinitionError', () => {
    expect(() => explore({ actors: {} })).toThrow(SystemDefinitionError);
    expect(() => explore(null as unknown as SystemDefinition)).toThrow(SystemDefinitionError);
  });
});

describe('machines that throw are modelError counterexamples', () => {
  const boom = () => { throw new Error('kaboom in the model'); };

  test('a throwing guard', () => {
    const m = createMachine({ id: 'g', initial: 'start', states: { start: { on: { go: { guard: boom, target: 'done' } } }, done: { tags: ['end'] } } });
    onlyViolation(single(m), 'modelError', /kaboom in the model/, 1);
  });

  test('a throwing assign', () => {
    onlyViolation(single(oneStep(assign(boom), { context: { n: 0 } })), 'modelError', /kaboom in the model/, 1);
  });

  test('a throwing custom action', () => {
    onlyViolation(single(oneStep(boom)), 'modelError', /kaboom in the model/, 1);
  });

  test('a throwing entry action of the initial state fails at the initial state', () => {
    const m = createMachine({ id: 'e', initial: 's', states: { s: { entry: boom, tags: ['end'] } } });
    onlyViolation({ actors: { a: { machine: m } } }, 'modelError', /kaboom in the model/, 0);
  });

  test('a throwing guard on a delivered message, after a post', () => {
    const receiver = createMachine({ id: 'r', initial: 'wait', states: { wait: { on: { ping: { guard: boom, target: 'done' } } }, done: { tags: ['end'] } } });
    const def: SystemDefinition = { actors: { s: { machine: oneStep(post('r', { type: 'ping' })), spontaneous: [{ type: 'go' }] }, r: { machine: receiver } } };
    const v = onlyViolation(def, 'modelError', /r threw while handling 'ping'.*kaboom/, 2);
    expect(v.steps.map((s) => `${s.actor} ${s.kind}`)).toEqual(['s spontaneous', 'r deliver']);
  });

  test('an invariant that throws', () => {
    const def: SystemDefinition = { ...single(oneStep([])), properties: { p: invariant(boom) } };
    onlyViolation(def, 'modelError', /invariant p threw: kaboom/, 0);
  });
});

describe('a stall property that throws', () => {
  const system = (): SystemDefinition => ({
    actors: { a: { machine: oneStep([]), spontaneous: [{ type: 'go' }] } },
    properties: { broken: stall(() => { throw new Error('no such ring'); }) },
  });
  test('is a modelError counterexample in the explorer', () => {
    const r = explore(system());
    expect(r.violations.map((v) => [v.property, v.message])).toEqual([['modelError', 'stall property broken threw: no such ring']]);
  });
  test('is a modelError judgement in step-by-step execution (replay), not a crash', () => {
    const exec = new Execution(system());
    const after = exec.apply(exec.initial().state!, { actor: 'a', kind: 'spontaneous', event: { type: 'go' } })!;
    expect(exec.outstandingWork(after.state!)).toEqual([{ property: 'modelError', work: 'stall property broken threw: no such ring' }]);
  });
});

describe('what the checker cannot represent is refused, not ignored', () => {
  test('a delayed raise (which would never fire) is a modelError counterexample, not a verified run', () => {
    const m = setup({}).createMachine({
      initial: 'start',
      states: {
        start: { on: { go: { target: 'waiting', actions: raise({ type: 'late' }, { delay: 10 }) } } },
        waiting: { tags: ['end'], on: { late: { actions: fail('the delayed event arrived') } } },
      },
    });
    onlyViolation(single(m), 'modelError', /delayed raise of 'late'.*use an `after` transition/, 1);
  });

  test('an endState predicate that throws is a modelError counterexample, not a crash', () => {
    const system: SystemDefinition = { ...single(oneStep([])), endState: () => { throw new Error('oops'); } };
    const r = explore(system);
    expect(r.violations.map((v) => [v.property, v.message])).toEqual([['modelError', 'endState threw: oops']]);
  });
});

describe('call cycles are modelError counterexamples, not stack overflows', () => {
  test('a caller that calls again on every reply', () => {
    // host calls synic; synic replies; the host's reply handler calls again: unbounded within one step.
    const host = createMachine({
      id: 'host', initial: 'start',
      states: {
        start: { on: { go: { target: 'asking', actions: call('synic', { type: 'req' }) } } },
        asking: { on: { ack: { actions: call('synic', { type: 'req' }) } } },
      },
    });
    const synic = createMachine({ id: 'synic', initial: 'idle', states: { idle: { on: { req: { actions: reply({ type: 'ack' }) } } } } });
    const def: SystemDefinition = { actors: { host: { machine: host, spontaneous: [{ type: 'go' }] }, synic: { machine: synic } } };
    onlyViolation(def, 'modelError', /more than 256 events without settling/, 1);
  });

  test('an actor that calls itself', () => {
    const m = createMachine({ id: 'self', initial: 's', states: { s: { on: { go: { actions: call('a', { type: 'go' }) } } } } });
    onlyViolation(single(m), 'modelError', /more than 256 events without settling/, 1);
  });
});

describe('context must be plain JSON data', () => {
  test('a Date in the initial context fails at the initial state', () => {
    onlyViolation(single(oneStep([], { context: { since: new Date(0) } })), 'modelError', /Date|plain JSON/, 0);
  });

  test('a function in the initial context fails at the initial state', () => {
    onlyViolation(single(oneStep([], { context: { callback: () => 1 } })), 'modelError', /function|plain JSON/, 0);
  });

  test('an assign that stores a Map fails at that step', () => {
    const m = setup({ types: {} as { context: { seen: unknown } } }).createMachine({
      id: 'm', initial: 'start', context: { seen: null },
      states: { start: { on: { go: { target: 'done', actions: assign({ seen: () => new Map() }) } } }, done: { tags: ['end'] } },
    });
    onlyViolation(single(m), 'modelError', /Map|plain JSON/, 1);
  });

  test('a non-finite number in context fails at that step', () => {
    const m = setup({ types: {} as { context: { n: number } } }).createMachine({
      id: 'm', initial: 'start', context: { n: 1 },
      states: { start: { on: { go: { target: 'done', actions: assign({ n: ({ context }) => context.n / 0 }) } } }, done: { tags: ['end'] } },
    });
    onlyViolation(single(m), 'modelError', /non-finite|Infinity/, 1);
  });
});

/** One actor counting up forever: an unbounded state space, one new state per step. */
function counter() {
  const m = setup({ types: {} as { context: { n: number } } }).createMachine({
    id: 'counter', initial: 'run', context: { n: 0 },
    states: { run: { on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } } } },
  });
  return defineSystem({ actors: { c: { machine: m, spontaneous: [{ type: 'tick' }] } } });
}

describe('bounds give `bounded`, naming the bound, never `verified`', () => {
  test('maxStates', () => {
    const r = explore(peterson(), { maxStates: 10 });
    expect(r.verdict).toBe('bounded');
    expect(r.stats.states).toBe(10); // the limit is the number of states stored, not one more
    expect(r.bounds.map((b) => b.kind)).toEqual(['maxStates']);
    expect(r.bounds[0].detail).toMatch(/10/);
  });

  test('maxDepth', () => {
    const r = explore(peterson(), { maxDepth: 3 });
    expect(r.verdict).toBe('bounded');
    expect(r.bounds.map((b) => b.kind)).toEqual(['maxDepth']);
    expect(r.bounds[0].detail).toMatch(/3/);
    expect(r.stats.depth).toBeLessThanOrEqual(3);
  });

  test('timeLimitSeconds', () => {
    // maxStates is only a backstop: the run must stop on its time limit long before it.
    const r = explore(counter(), { timeLimitSeconds: 0.05, maxStates: 2_000_000 });
    expect(r.verdict).toBe('bounded');
    expect(r.bounds.map((b) => b.kind)).toEqual(['timeLimit']);
    expect(r.bounds[0].detail).toMatch(/0\.05 s/);
  });

  test('a full in-flight FIFO: bounded by default, a queueOverflow violation on request', () => {
    const flood = createMachine({ id: 'flood', initial: 'on', states: { on: { on: { go: { actions: post('sink', { type: 'data' }) } } } } });
    // The sink ignores `data` deliberately, so the FIFO's capacity is the only limit.
    const sinkIgnoring = createMachine({ id: 'sink', initial: 'deaf', states: { deaf: { on: { data: {} } } } });
    const def: SystemDefinition = {
      actors: { flood: { machine: flood, spontaneous: [{ type: 'go' }] }, sink: { machine: sinkIgnoring, queueCapacity: 2 } },
    };
    const r = explore(def);
    expect(r.verdict).toBe('bounded');
    expect(r.bounds.map((b) => b.kind)).toEqual(['queueCapacity']);
    expect(r.bounds[0].detail).toMatch(/sink.*capacity 2/);
    const o = explore({ ...def, onQueueFull: 'violation' });
    expect(o.verdict).toBe('violated');
    expect(o.violations[0].property).toBe('queueOverflow');
    expect(o.violations[0].steps).toHaveLength(3); // two posts fill it, the third overflows
    replayViolation({ ...def, onQueueFull: 'violation' }, o.violations[0]);
  });

  test('a violation found within a bound is still reported as violated', () => {
    const r = explore(peterson(true), { maxStates: 1000, maxDepth: 20 });
    expect(r.verdict).toBe('violated');
  });

  // A state exactly at the depth limit with nothing enabled is judged like any other: the limit cuts
  // off successors, not the judgement of the states it reaches.
  test('a deadlock exactly at maxDepth is found, not reported as verified', () => {
    const m = createMachine({ id: 'chain', initial: 's0', states: { s0: { on: { tick: 's1' } }, s1: { on: { tick: 's2' } }, s2: { on: { tick: 's3' } }, s3: {} } });
    const def = defineSystem({ actors: { a: { machine: m, spontaneous: [{ type: 'tick' }] } } });
    expect(explore(def).violations.map((v) => [v.property, v.steps.length])).toEqual([['deadlock', 3]]);
    for (const maxDepth of [3, 4]) {
      const r = explore(def, { maxDepth });
      expect(r.verdict).toBe('violated');
      expect(r.violations.map((v) => v.property)).toEqual(['deadlock']);
    }
    const r = explore(def, { maxDepth: 2 });
    expect(r.verdict).toBe('bounded');
  });

  test('a stall exactly at maxDepth is found, with no timer beyond the limit taken as a successor', () => {
    const m = createMachine({
      id: 'w', initial: 's0',
      states: { s0: { on: { tick: { target: 's1', actions: write('pending', 1) } } }, s1: { after: { 100: 's2' } }, s2: { tags: ['end'] } },
    });
    const def = defineSystem({
      actors: { a: { machine: m, spontaneous: [{ type: 'tick' }] } },
      cells: { pending: 0 },
      properties: { stuck: stall((g) => g.cells.pending === 1 && g.actors.a.matches('s1') && 'work pending in s1') },
    });
    const r = explore(def, { maxDepth: 1 });
    expect(r.verdict).toBe('violated');
    expect(r.violations.map((v) => v.property)).toEqual(['stuck']);
    expect(r.stats.states).toBe(2);
    replayViolation(def, r.violations[0]);
  });
});

describe('models that mutate shared data', () => {
  test('an action that assigns to context directly is a modelError counterexample, not a silent corruption', () => {
    // Interned snapshots are shared by every state that holds them; a direct write would change states
    // already explored (this model then came back verified). assign() is XState's way to change context.
    const m = setup({}).createMachine({
      context: { seen: 0 },
      initial: 'start',
      states: {
        start: { on: { go: { target: 'done', actions: ({ context }) => { (context as { seen: number }).seen = 1; } } } },
        done: { tags: ['end'] },
      },
    });
    onlyViolation(single(m), 'modelError', /read.only.*contexts are immutable: change them with assign/, 1);
  });

  test('an action that mutates the event it handles is a modelError counterexample', () => {
    const m = setup({}).createMachine({
      initial: 'start',
      states: {
        start: { on: { go: { target: 'done', actions: ({ event }) => { (event as { type: string }).type = 'gone'; } } } },
        done: { tags: ['end'] },
      },
    });
    onlyViolation(single(m), 'modelError', /read.only/, 1);
  });
});
