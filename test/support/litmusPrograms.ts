// Random straight-line programs over four cells, with every kind of load, store, fence and RMW, as one
// actor each (test/armReduction.test.ts, test/partialOrderProjections.test.ts): each value a load or RMW
// returns goes into the actor's context, so that what a program saw is part of its state.
import fc from 'fast-check';
import { assign, setup } from 'xstate';
import { cmpxchg, load, smp_load_acquire, smp_mb, smp_rmb, smp_store_release, smp_wmb, write, xchg } from '../../checker/index.ts';

export const CELLS = ['x', 'y', 'z', 'w'] as const;
type Cell = typeof CELLS[number];
export type Op =
  | { k: 'store'; cell: Cell; value: 1 | 2; release: boolean }
  | { k: 'load'; cell: Cell; acquire: boolean }
  | { k: 'fence'; kind: 'full' | 'store' | 'load' }
  | { k: 'xchg'; cell: Cell; value: 1 | 2 }
  | { k: 'cmpxchg'; cell: Cell; value: 1 | 2 };

const cell = fc.constantFrom(...CELLS);
export const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('store' as const), cell, value: fc.constantFrom(1 as const, 2 as const), release: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('load' as const), cell, acquire: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('fence' as const), kind: fc.constantFrom('full' as const, 'store' as const, 'load' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('xchg' as const), cell, value: fc.constantFrom(1 as const, 2 as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cmpxchg' as const), cell, value: fc.constantFrom(1 as const, 2 as const) }) },
);

/**
 * One actor running `ops` on its `run` event, step by step. After the last op it ends in a final state,
 * in a state tagged `end` (still running), or, with `loop`, starts over, forgetting what it saw (a cycle).
 */
export function programMachine(name: string, ops: readonly Op[], after: 'final' | 'end' | 'loop') {
  const states: Record<string, any> = {};
  const last = ops.length - 1;
  ops.forEach((o, i) => {
    const next = i < last ? `p${i + 1}` : after === 'loop' ? 'p0' : 'done';
    const forget = next === 'p0' ? [assign({ seen: [] })] : [];
    const record = { target: next, actions: assign(({ context, event }: any) => ({ seen: next === 'p0' ? [] : [...context.seen, event.value] })) };
    switch (o.k) {
      case 'store':
        states[`p${i}`] = { on: { run: { target: next, actions: [o.release ? smp_store_release(o.cell, o.value) : write(o.cell, o.value), ...forget] } } };
        break;
      case 'fence':
        states[`p${i}`] = { on: { run: { target: next, actions: [o.kind === 'full' ? smp_mb() : o.kind === 'store' ? smp_wmb() : smp_rmb(), ...forget] } } };
        break;
      case 'load':
        states[`p${i}`] = { on: { run: { target: `r${i}`, actions: o.acquire ? smp_load_acquire(o.cell) : load(o.cell) } } };
        states[`r${i}`] = { on: { loaded: record } };
        break;
      case 'xchg': case 'cmpxchg':
        states[`p${i}`] = { on: { run: { target: `r${i}`, actions: o.k === 'xchg' ? xchg(o.cell, o.value) : cmpxchg(o.cell, 0, o.value) } } };
        states[`r${i}`] = { on: { exchanged: record } };
        break;
    }
  });
  states.done = after === 'end' ? { tags: ['end'] } : { type: 'final' };
  return setup({ types: {} as { context: { seen: unknown[] } } }).createMachine({ id: name, context: { seen: [] }, initial: 'p0', states });
}
