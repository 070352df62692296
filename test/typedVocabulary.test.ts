// The typed vocabulary (checker/typedVocabulary.ts): a misspelt actor or cell is a type error. The
// `@ts-expect-error` lines are checked by `tsc --noEmit` (npm test runs it first): each fails the type
// check if its line stops being an error, and so does any unexpected error. At run time the same
// mistakes are the errors the untyped checker reports, asserted beside them.
import { describe, expect, expectTypeOf, test } from 'vitest';
import { setup } from 'xstate';
import type { EventObject } from 'xstate';
import * as vmbus from '../checker/index.ts';
import * as memoryVocabulary from '../checker/memoryVocabulary.ts';
import * as untypedVocabulary from '../checker/vocabulary.ts';
import { explore, vocabularyFor } from '../checker/index.ts';
import type { CellValue, SystemDefinition } from '../checker/index.ts';

type Names = { actors: 'host' | 'guest'; cells: 'flag' | 'data' };
const v = vocabularyFor<Names>();
const { post, call, write, cellsOf, load, smp_store_release, xchg, cmpxchg, test_and_set_bit, fetch_or, invariant, stall, defineSystem } = v;

const guest = setup({}).createMachine({
  initial: 'idle',
  states: {
    idle: { on: { send: { target: 'sent', actions: [write('data', 1), smp_store_release('flag', true), post('host', { type: 'doorbell' })] } } },
    sent: { type: 'final' },
  },
});
const host = setup({}).createMachine({
  initial: 'waiting',
  states: {
    waiting: { on: { doorbell: [{ guard: ({ event }) => cellsOf(event).data === 1, target: 'done' }, { target: 'missed' }] } },
    done: { type: 'final' },
    missed: { type: 'final' },
  },
});
const actors = {
  host: { machine: host, reads: ['flag', 'data'] as ('flag' | 'data')[] },
  guest: { machine: guest, spontaneous: [{ type: 'send' }] },
};

describe('vocabularyFor', () => {
  test('every member is the untyped function itself, so machines and definition sites are unchanged', () => {
    for (const [name, fn] of Object.entries(v)) expect(fn, name).toBe((vmbus as Record<string, unknown>)[name]);
  });

  test('holds every action of the public vocabulary', () => {
    const actions = Object.keys({ ...untypedVocabulary, ...memoryVocabulary })
      .filter((name) => typeof (vmbus as Record<string, unknown>)[name] === 'function');
    expect(actions).toContain('smp_store_release');
    expect(Object.keys(v)).toEqual(expect.arrayContaining(actions));
  });

  test('a typed system runs as the untyped checker runs it', () => {
    const sys = defineSystem({
      actors,
      cells: { flag: false, data: 0 },
      properties: { delivered: invariant((g) => !g.actors.host.matches('missed') || 'the doorbell came before the data') },
    });
    expect(explore(sys).verdict).toBe('verified');
  });

  test('the names are narrowed, the values are not', () => {
    expectTypeOf(post).parameter(0).extract<string>().toEqualTypeOf<'host' | 'guest'>();
    expectTypeOf(write).parameter(0).extract<string>().toEqualTypeOf<'flag' | 'data'>();
    expectTypeOf(write).parameter(1).extract<CellValue>().toEqualTypeOf<CellValue>();
    expectTypeOf(cellsOf({ type: 'x' })).toEqualTypeOf<Readonly<Record<'flag' | 'data', CellValue>>>();
    expectTypeOf(defineSystem).returns.toEqualTypeOf<SystemDefinition>();
    // A name computed from the context is not checked: the context is the machine's own type.
    write(({ context }) => context.cell, 1);
    post(({ event }: { event: EventObject }) => (event.type === 'a' ? 'host' : 'guest'), { type: 'x' });
  });
});

describe('a misspelt name is a type error', () => {
  test('in an action', () => {
    // @ts-expect-error 'gust' is no actor
    post('gust', { type: 'doorbell' });
    // @ts-expect-error 'hots' is no actor
    call('hots', { type: 'hypercall' });
    // @ts-expect-error a computed name is checked too
    post(() => 'gust' as const, { type: 'doorbell' });
    // @ts-expect-error 'flga' is no cell
    write('flga', true);
    // @ts-expect-error 'dta' is no cell
    load('dta');
    // @ts-expect-error 'flga' is no cell
    smp_store_release('flga', true);
    // @ts-expect-error 'flga' is no cell
    xchg('flga', 1);
    // @ts-expect-error 'flga' is no cell
    cmpxchg('flga', 0, 1);
    // @ts-expect-error 'flga' is no cell
    test_and_set_bit(0, 'flga');
    // @ts-expect-error 'flga' is no cell
    fetch_or(1, 'flga');
    // @ts-expect-error 'flga' is no cell
    expect(() => cellsOf({ type: 'x' }).flga).toThrow(/cell 'flga' is read, but this event carries no cells/);
  });

  test('in a property', () => {
    // @ts-expect-error 'flga' is no cell
    invariant((g) => g.cells.flga === true);
    // @ts-expect-error 'gust' is no actor
    stall((g) => g.actors.gust.matches('idle') && 'stuck');
    // @ts-expect-error 'gust' is no actor
    invariant((g) => g.inFlight.gust.length < 2);
  });

  test('in the definition, where validateSystem refuses it at run time too', () => {
    const cells = { flag: false, data: 0 };
    // The one mistake run time cannot see here: a system with an actor 'gust' is a valid system.
    expect(() => defineSystem({
      actors: {
        host: { machine: host, reads: ['flag', 'data'] },
        // @ts-expect-error 'gust' is no actor
        gust: { machine: guest, spontaneous: [{ type: 'send' }] },
      },
      cells,
    })).not.toThrow();
    expect(() => defineSystem({
      // @ts-expect-error 'guest' is missing
      actors: { host: actors.host },
      cells,
      fairness: { strong: ['guest'] },
    })).toThrow(/unknown actor 'guest'/);
    expect(() => defineSystem({
      actors: {
        // @ts-expect-error 'dta' is no cell
        host: { machine: host, reads: ['flag', 'dta'] },
        guest: actors.guest,
      },
      cells,
    })).toThrow(/actor 'host' reads unknown cell 'dta'/);
    expect(() => defineSystem({
      actors,
      // @ts-expect-error 'dta' is no cell, and 'data' is missing
      cells: { flag: false, dta: 0 },
    })).toThrow(/actor 'host' reads unknown cell 'data'/);
    expect(() => defineSystem({
      actors,
      cells,
      // @ts-expect-error 'gust' is no actor
      fairness: { strong: [{ actor: 'gust', event: 'send' }] },
    })).toThrow(/`fairness.strong` names unknown actor 'gust'/);
  });
});
