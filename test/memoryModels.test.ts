// The memory-model vocabulary and its bounds, beyond the litmus tests: atomics, the bounds that make a
// verdict `bounded`, events between actors, and counterexamples that replay with their load choices.
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import {
  cmpxchg, defineSystem, EVENT_SYNC_CAVEAT, TIMER_SYNC_CAVEAT, Execution, explore, invariant, load, MEMORY_MODELS, post, smp_mb, stall, test_and_set_bit, write, xchg,
} from '../checker/index.ts';
import type { MemoryModelName } from '../checker/index.ts';
import { replayViolation } from './reference/replay.ts';

/**
 * Two actors try once to take a lock with `acquire`, enter, and release it: mutual exclusion must hold.
 * (A loser that spun would append a message per try, unboundedly, under arm: the history bound.)
 */
function lockSystem(memory: MemoryModelName, acquire: 'cmpxchg' | 'test_and_set_bit' | 'xchg') {
  const take = acquire === 'cmpxchg' ? cmpxchg('lock', 0, 1, 'took') : acquire === 'xchg' ? xchg('lock', 1, 'took') : test_and_set_bit(0, 'lock', 'took');
  const free = (value: unknown) => value === 0 || value === false;
  const m = setup({}).createMachine({
    initial: 'idle',
    states: {
      idle: { on: { run: { target: 'taking', actions: take } } },
      taking: { on: { took: [{ guard: ({ event }) => free(event.value), target: 'critical' }, { target: 'done' }] } },
      critical: { on: { run: { target: 'done', actions: write('lock', 0) } } },
      done: { type: 'final' },
    },
  });
  return defineSystem({
    memory,
    actors: { a: { machine: m, spontaneous: [{ type: 'run' }] }, b: { machine: m, spontaneous: [{ type: 'run' }] } },
    cells: { lock: 0 },
    properties: { mutex: invariant((g) => !(g.actors.a.matches('critical') && g.actors.b.matches('critical'))) },
    deadlock: false,
  });
}

describe('fully ordered atomics', () => {
  for (const memory of MEMORY_MODELS) {
    for (const op of ['cmpxchg', 'test_and_set_bit', 'xchg'] as const) {
      it(`a ${op} lock is mutually exclusive under ${memory}`, () => {
        const r = explore(lockSystem(memory, op));
        expect(r.verdict).toBe('verified');
      });
    }
  }

  it('a lock taken with a plain load and store is not, under any model', () => {
    for (const memory of MEMORY_MODELS) {
      const m = setup({}).createMachine({
        initial: 'idle',
        states: {
          idle: { on: { run: { target: 'check', actions: load('lock') } } },
          check: { on: { loaded: [{ guard: ({ event }) => event.value === 0, target: 'taking' }, { target: 'idle' }] } },
          taking: { on: { run: { target: 'critical', actions: write('lock', 1) } } },
          critical: {},
        },
      });
      const r = explore(defineSystem({
        memory, deadlock: false,
        actors: { a: { machine: m, spontaneous: [{ type: 'run' }] }, b: { machine: m, spontaneous: [{ type: 'run' }] } },
        cells: { lock: 0 },
        properties: { mutex: invariant((g) => !(g.actors.a.matches('critical') && g.actors.b.matches('critical'))) },
      }));
      expect(r.verdict).toBe('violated');
    }
  });
});

describe('events between actors synchronize', () => {
  // The store before a post is seen by the receiver's later load: a post is a hypercall or a fenced IPI.
  for (const memory of MEMORY_MODELS) {
    it(`under ${memory}, data stored before a post is seen after its delivery`, () => {
      const sender = setup({}).createMachine({
        initial: 's', states: { s: { on: { run: { target: 'done', actions: [write('data', 1), post('receiver', { type: 'kick' })] } } }, done: { type: 'final' } },
      });
      const receiver = setup({}).createMachine({
        context: { seen: -1 }, initial: 'wait',
        states: {
          wait: { on: { kick: { target: 'reading', actions: load('data') } } },
          reading: { on: { loaded: { target: 'done', actions: assign({ seen: ({ event }) => event.value }) } } },
          done: { type: 'final' },
        },
      });
      const r = explore(defineSystem({
        memory,
        actors: { sender: { machine: sender, spontaneous: [{ type: 'run' }] }, receiver: { machine: receiver } },
        cells: { data: 0 },
        properties: { stale: stall((g) => g.actors.receiver.context.seen === 0 && 'the receiver read stale data') },
      }));
      expect(r.verdict).toBe('verified');
    });
  }
});

describe('bounds of the memory models', () => {
  const storer = (stores: number) => setup({}).createMachine({
    initial: 's', states: { s: { on: { run: { target: 'done', actions: Array.from({ length: stores }, (_, i) => write('x', i + 1)) } } }, done: { type: 'final' } },
  });

  it('a store to a full store buffer makes the verdict bounded (storeBuffer), never verified', () => {
    for (const memory of ['tso', 'arm'] as const) {
      const r = explore(defineSystem({ memory, storeBuffer: 2, actors: { p: { machine: storer(3), spontaneous: [{ type: 'run' }] } }, cells: { x: 0 } }));
      expect(r.verdict).toBe('bounded');
      expect(r.bounds.map((b) => b.kind)).toEqual(['storeBuffer']);
      const fits = explore(defineSystem({ memory, storeBuffer: 3, actors: { p: { machine: storer(3), spontaneous: [{ type: 'run' }] } }, cells: { x: 0 } }));
      expect(fits.verdict).toBe('verified');
    }
  });

  it('a full store buffer in the initial entry actions is a storeBuffer bound too', () => {
    const m = setup({}).createMachine({ initial: 's', states: { s: { entry: [write('x', 1), write('x', 2)] } } });
    const r = explore(defineSystem({ memory: 'tso', storeBuffer: 1, actors: { p: { machine: m } }, cells: { x: 0 } }));
    expect([r.verdict, r.bounds.map((b) => b.kind)]).toEqual(['bounded', ['storeBuffer']]);
  });

  it('an ARM history too short for the writes that may still be read is a history bound', () => {
    // Nobody reads x, but every message of it stays readable for the reader, whose view never moves.
    const reader = setup({}).createMachine({ initial: 'r', states: { r: { on: { run: { target: 'done', actions: load('x') } }, }, done: { on: { loaded: 'end' } }, end: { type: 'final' } } });
    const sys = (history: number) => defineSystem({
      memory: 'arm', history,
      actors: { w: { machine: setup({}).createMachine({ initial: 's', states: { s: { on: { run: { target: 'd', actions: [write('x', 1), smp_mb(), write('x', 2), smp_mb()] } } }, d: { type: 'final' } } }), spontaneous: [{ type: 'run' }] }, r: { machine: reader, spontaneous: [{ type: 'run' }] } },
      cells: { x: 0 },
    });
    expect(explore(sys(2)).bounds.map((b) => b.kind)).toEqual(['history']);
    expect(explore(sys(3)).verdict).toBe('verified');
  });
});

describe('counterexamples under weak memory', () => {
  it('an ARM counterexample carries the choice of each branching load and replays with it', () => {
    const writer = setup({}).createMachine({ initial: 'a', states: { a: { on: { run: { target: 'b', actions: write('data', 1) } } }, b: { on: { run: { target: 'c', actions: write('flag', 1) } } }, c: { type: 'final' } } });
    const reader = setup({}).createMachine({
      context: { flag: 0, data: 0 }, initial: 'a',
      states: {
        a: { on: { run: { target: 'fa', actions: load('flag') } } },
        fa: { on: { loaded: { target: 'b', actions: assign({ flag: ({ event }) => event.value }) } } },
        b: { on: { run: { target: 'fb', actions: load('data') } } },
        fb: { on: { loaded: { target: 'c', actions: assign({ data: ({ event }) => event.value }) } } },
        c: { type: 'final' },
      },
    });
    const system = defineSystem({
      memory: 'arm',
      actors: { w: { machine: writer, spontaneous: [{ type: 'run' }] }, r: { machine: reader, spontaneous: [{ type: 'run' }] } },
      cells: { data: 0, flag: 0 },
      properties: { mp: invariant((g) => !(g.actors.r.context.flag === 1 && g.actors.r.matches('c') && g.actors.r.context.data === 0)) },
    });
    const r = explore(system);
    expect(r.verdict).toBe('violated');
    const steps = r.violations[0].steps;
    expect(steps.some((s) => s.kind === 'flush')).toBe(true);
    expect(steps.some((s) => s.choices !== undefined)).toBe(true);
    expect(replayViolation(system, r.violations[0])).toBe(steps.length);
    // A choice out of range is not a step.
    const ex = new Execution(system);
    const at = steps.findIndex((s) => s.choices !== undefined);
    let v = ex.initial().state!;
    for (const s of steps.slice(0, at)) v = ex.apply(v, s)!.state!;
    expect(ex.apply(v, { ...steps[at], choices: [7] })).toBeNull();
  });
});

describe('the event-synchronization caveat', () => {
  it('is named only when a post drained a non-empty store buffer (tso) or a receive let an actor see more (arm)', () => {
    const caveat = EVENT_SYNC_CAVEAT;
    const system = (storeBeforePost: boolean) => {
      const sender = setup({}).createMachine({
        initial: 'a',
        states: {
          a: { on: { run: { target: 'b', actions: storeBeforePost ? [write('x', 1), post('receiver', { type: 'hello' })] : [post('receiver', { type: 'hello' }), write('x', 1)] } } },
          b: { type: 'final' },
        },
      });
      const receiver = setup({}).createMachine({ initial: 'wait', states: { wait: { on: { hello: 'done' } }, done: { type: 'final' } } });
      return defineSystem({ actors: { sender: { machine: sender, spontaneous: [{ type: 'run' }] }, receiver: { machine: receiver } }, cells: { x: 0 } });
    };
    expect(explore(system(true), { memory: 'tso' }).memoryCaveat).toBe(caveat);
    expect(explore(system(false), { memory: 'tso' }).memoryCaveat).toBeNull();
    expect(explore(system(true), { memory: 'sc' }).memoryCaveat).toBeNull();
    expect(explore(system(true), { memory: 'arm' }).memoryCaveat).toBe(`without load buffering; ${caveat}`);
  });
});

describe('timers under weak memory', () => {
  // A writer stores a flag with no barrier and finishes; a watchdog's timer, due long after, loads it.
  // Time passes only when nothing else can happen: under tso the store has been flushed by then, so the
  // watchdog sees it (an independent reason: the store buffer is drained before quiescence); arm must
  // agree rather than let a load 100 ms later return the value from before the store.
  const system = (memory: MemoryModelName) => {
    const writer = setup({}).createMachine({ initial: 'a', states: { a: { on: { run: { target: 'b', actions: write('flag', 1) } } }, b: { type: 'final' } } });
    const watchdog = setup({}).createMachine({
      context: { seen: -1 as unknown },
      initial: 'armed',
      states: {
        armed: { after: { 100: { target: 'checking', actions: load('flag') } } },
        checking: { on: { loaded: { target: 'done', actions: assign({ seen: ({ event }) => (event as unknown as { value: unknown }).value }) } } },
        done: { type: 'final' },
      },
    });
    return defineSystem({
      memory,
      actors: { writer: { machine: writer, spontaneous: [{ type: 'run' }] }, watchdog: { machine: watchdog } },
      cells: { flag: 0 },
      properties: { watchdogSeesTheStore: invariant((g) => g.actors.watchdog.status !== 'done' || g.actors.watchdog.context.seen === 1) },
    });
  };

  it('a timer sees every store made before it fires, under every model, and arm names it', () => {
    for (const memory of MEMORY_MODELS) {
      const r = explore(system(memory));
      expect([memory, r.verdict, r.violations.map((v) => v.property)]).toEqual([memory, 'verified', []]);
    }
    expect(explore(system('arm')).memoryCaveat).toBe(`without load buffering; ${TIMER_SYNC_CAVEAT}`);
    expect(explore(system('tso')).memoryCaveat).toBeNull();
  });
});
