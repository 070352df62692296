// The memory-ordering vocabulary: loads, release stores, fences and fully ordered atomics, named as in
// the Linux kernel (Documentation/memory-barriers.txt, atomic_t.txt, atomic_bitops.txt) with the x86 and
// ARMv8 instruction names beside them. Like `write`, each is an XState `emit`, so a machine that uses
// them stays a plain XState machine. A value-returning action (a load, an RMW) answers with an event
// `{ type: reply, cell, value }` to the same actor inside the same step, after the transition's
// remaining actions (XState's mailbox order, as for a `call`'s reply).
import { emit } from 'xstate';
import { EFFECT_PREFIX, WRITE, marked, named } from './vocabulary.ts';
import type { CellValue, VocabularyAction } from './vocabulary.ts';

export const LOAD = `${EFFECT_PREFIX}load`;
export const FENCE = `${EFFECT_PREFIX}fence`;
export const RMW = `${EFFECT_PREFIX}rmw`;

export type FenceName = 'full' | 'store' | 'load';
export type RmwOp = 'xchg' | 'cmpxchg' | 'test_and_set_bit' | 'test_and_clear_bit' | 'fetch_or';

type Args = { context: any; event: any };
type Maybe<T> = T | ((args: Args) => T);
const resolve = <T>(value: Maybe<T>, args: Args): T => (typeof value === 'function' ? (value as (a: Args) => T)(args) : value);
/** The mark of an action that loads `cell`: known unless the cell is computed at run time. */
const loading = (cell: Maybe<string>): string[] | null => (typeof cell === 'string' ? [cell] : null);

/** READ_ONCE(cell): the value comes back as `{ type: reply, cell, value }`. Under ARM it may be stale. */
export function load(cell: Maybe<string>, reply: Maybe<string> = 'loaded'): VocabularyAction {
  return marked(emit((args: Args) => ({ type: LOAD, cell: resolve(cell, args), reply: resolve(reply, args), acquire: false }) as any), loading(cell));
}

/** smp_load_acquire(cell) (ARMv8 `ldar`): no later load or store is satisfied before it. */
export function smp_load_acquire(cell: Maybe<string>, reply: Maybe<string> = 'loaded'): VocabularyAction {
  return marked(emit((args: Args) => ({ type: LOAD, cell: resolve(cell, args), reply: resolve(reply, args), acquire: true }) as any), loading(cell));
}

/** smp_store_release(cell, value) (ARMv8 `stlr`): visible only after every earlier load and store. */
export function smp_store_release(cell: Maybe<string>, value: Maybe<CellValue>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: WRITE, cell: resolve(cell, args), value: resolve(value, args), release: true }) as any), [], { stores: named(cell) });
}

/** smp_store_mb(cell, value): a store followed by a full fence (KVM's `vcpu->mode` store). */
export function smp_store_mb(cell: Maybe<string>, value: Maybe<CellValue>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: WRITE, cell: resolve(cell, args), value: resolve(value, args), fence: true }) as any), [], { stores: named(cell) });
}

/** A fence: `full` orders everything, `store` orders stores with stores, `load` orders loads with later accesses. */
export function fence(kind: FenceName): VocabularyAction {
  return marked(emit({ type: FENCE, kind } as any), []);
}

export const smp_mb = (): VocabularyAction => fence('full');
export const virt_mb = smp_mb;
export const mb = smp_mb;
export const mfence = smp_mb;
export const dmb_ish = smp_mb;
export const smp_wmb = (): VocabularyAction => fence('store');
export const dmb_ishst = smp_wmb;
export const smp_rmb = (): VocabularyAction => fence('load');
export const dmb_ishld = smp_rmb;
export const stlr = smp_store_release;
export const ldar = smp_load_acquire;

function rmw(op: RmwOp, cell: Maybe<string>, a: Maybe<CellValue>, b: Maybe<CellValue> | undefined, reply: Maybe<string>): VocabularyAction {
  return marked(emit((args: Args) => ({
    type: RMW, op, cell: resolve(cell, args), a: resolve(a, args), b: b === undefined ? null : resolve(b, args), reply: resolve(reply, args),
  }) as any), loading(cell), { stores: named(cell) });
}

/** xchg(cell, value): stores `value`, answers the old value. Fully ordered. */
export const xchg = (cell: Maybe<string>, value: Maybe<CellValue>, reply: Maybe<string> = 'exchanged') => rmw('xchg', cell, value, undefined, reply);
/** cmpxchg(cell, expected, desired): stores `desired` if the cell holds `expected`; answers the old value. Fully ordered when it succeeds. */
export const cmpxchg = (cell: Maybe<string>, expected: Maybe<CellValue>, desired: Maybe<CellValue>, reply: Maybe<string> = 'exchanged') =>
  rmw('cmpxchg', cell, expected, desired, reply);
/** test_and_set_bit(nr, cell): sets bit `nr`, answers whether it was set. Fully ordered when it changes the bit. */
export const test_and_set_bit = (nr: Maybe<number>, cell: Maybe<string>, reply: Maybe<string> = 'tested') => rmw('test_and_set_bit', cell, nr, undefined, reply);
/** test_and_clear_bit(nr, cell): clears bit `nr`, answers whether it was set. Fully ordered when it changes the bit. */
export const test_and_clear_bit = (nr: Maybe<number>, cell: Maybe<string>, reply: Maybe<string> = 'tested') => rmw('test_and_clear_bit', cell, nr, undefined, reply);
/** atomic_fetch_or(mask, cell): ors `mask` in, answers the old value. Fully ordered. */
export const fetch_or = (mask: Maybe<number>, cell: Maybe<string>, reply: Maybe<string> = 'fetched') => rmw('fetch_or', cell, mask, undefined, reply);

/**
 * What an RMW stores given the old value: the new value, or undefined when it changes nothing (a failed
 * cmpxchg, a bit already in place), which Linux leaves unordered. Throws for a non-numeric bit operand.
 */
export function rmwResult(op: RmwOp, old: CellValue, a: CellValue, b: CellValue): { store: CellValue | undefined; answer: CellValue } {
  const num = (x: CellValue): number => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`${op} needs an integer cell value, found ${JSON.stringify(x)}`);
    return x;
  };
  switch (op) {
    case 'xchg': return { store: a, answer: old };
    case 'cmpxchg': return { store: old === a ? b : undefined, answer: old };
    case 'fetch_or': return { store: num(old) | num(a), answer: old };
    case 'test_and_set_bit': { const o = num(old); const bit = (o >> num(a)) & 1; return { store: bit ? undefined : o | (1 << num(a)), answer: bit === 1 }; }
    case 'test_and_clear_bit': { const o = num(old); const bit = (o >> num(a)) & 1; return { store: bit ? o & ~(1 << num(a)) : undefined, answer: bit === 1 }; }
  }
}
