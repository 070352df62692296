// How cell stores become visible to loads. Only sequential consistency is implemented: a store is
// visible to every actor at once, and the loads and stores of one step are atomic.
//
// A TSO model (x86, or Apple Silicon's TSO mode; domain.md section 4) is a local change here: it adds a
// per-actor store buffer to the state vector (`extraWidth`), makes `store` append to the buffer,
// makes `loads` overlay the actor's own buffered stores, and adds a flush step per non-empty buffer.
import type { Layout } from './compile.ts';

export interface MemoryModel {
  readonly name: string;
  /** Applies a store by `actor` to `cell` (a value id). */
  store(v: Int32Array, actor: number, cell: number, value: number): void;
  /** The vector in which `actor`'s loads find cell values, at `layout.cellBase`. */
  loads(v: Int32Array, actor: number): Int32Array;
}

export function sequentialConsistency(layout: Layout): MemoryModel {
  const base = layout.cellBase;
  return {
    name: 'sc',
    store(v, _actor, cell, value) { v[base + cell] = value; },
    loads(v) { return v; },
  };
}
