// Global states in a form that means the same in every thread. A state vector holds interned ids (each
// actor's local states, cell values, queued events, store-buffer entries), and each thread interns in
// the order its own walks meet things, so the same state has different vectors in two threads. Here
// each id becomes an index into a dictionary of what it stands for (canonical keys), which a merge maps
// onto one dictionary for all threads: equal states then have equal vectors, and only they do.
import { canonicalJson } from './canonical.ts';
import type { CompiledSystem } from './compile.ts';
import { entryCell, entryRelease, entryValue } from './memoryModel.ts';
import type { MemoryModelName } from './memoryModel.ts';

/** What a slot of the vector holds. */
const enum Slot { Raw, Local, Value, Event, Entry }

export interface PortableStates {
  /** The dictionary the vectors' non-raw slots index. */
  words: string[];
  /** What each slot holds: 0 a plain number, else an index into `words`. */
  kinds: Uint8Array;
  width: number;
  /** The states, `width` ints each, end to end. */
  vectors: Int32Array;
}

/** Whether states under this memory model can be made portable: not under arm, whose regions this does not decode. */
export const portableUnder = (memory: MemoryModelName) => memory === 'sc' || memory === 'tso';

/** The slot kinds of a system's vectors (0 raw, 1 local state, 2 cell value, 3 event, 4 store-buffer entry); null under a memory model whose regions are not decoded here (arm). */
export function slotKinds(sys: CompiledSystem): Uint8Array | null {
  const { layout } = sys;
  if (!portableUnder(sys.memory)) return null;
  const kinds = new Uint8Array(layout.width);
  for (let a = 0; a < layout.actorCount; a++) kinds[a] = Slot.Local;
  for (let c = 0; c < layout.cellCount; c++) kinds[layout.cellBase + c] = Slot.Value;
  // The timer clock between the cells and the queues holds deadlines and ranks: plain numbers.
  for (let a = 0; a < layout.actorCount; a++) {
    for (let k = 1; k <= layout.queueCapacity[a]; k++) kinds[layout.queueBase[a] + k] = Slot.Event;
  }
  // tso: each actor's store buffer, a length and then its entries.
  for (let s = layout.memoryBase; s < layout.width; s++) {
    const cap = sys.memorySettings.storeBuffer;
    if ((s - layout.memoryBase) % (1 + cap) !== 0) kinds[s] = Slot.Entry;
  }
  return kinds;
}

/** `states` (vectors of this thread's `sys`) made portable; null when the system's memory model is not decoded here. */
export function portableStates(sys: CompiledSystem, states: Iterable<Int32Array>): PortableStates | null {
  const kinds = slotKinds(sys);
  if (kinds === null) return null;
  const { width, cellCount, actorCount } = sys.layout;
  const words: string[] = [];
  const index = new Map<string, number>();
  const word = (w: string) => {
    let i = index.get(w);
    if (i === undefined) { i = words.length; words.push(w); index.set(w, i); }
    return i;
  };
  // Per kind, per id: its word, looked up once.
  const memo = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
  const valueKey = (id: number) => `v${canonicalJson(sys.ns.values.values[id])}`;
  const wordOf = (kind: Slot, slot: number, x: number): number => {
    const m = kind === Slot.Local ? null : memo[kind];
    if (m) { const hit = m.get(x); if (hit !== undefined) return hit; }
    let w: string;
    if (kind === Slot.Local) w = x < 0 ? `l${slot}:error` : `l${slot}:${sys.actors[slot].states.keys[x]}`;
    else if (kind === Slot.Value) w = valueKey(x);
    else if (kind === Slot.Event) w = `e${canonicalJson(sys.ns.events.values[x])}`;
    // 0 is no entry (past the buffer's length) or a fence marker: a plain 0 either way.
    else w = x === 0 ? 'b0' : `b${entryCell(cellCount, x)}:${entryRelease(x) ? 1 : 0}:${valueKey(entryValue(cellCount, x))}`;
    const i = word(w);
    m?.set(x, i);
    return i;
  };
  const local = Array.from({ length: actorCount }, () => new Map<number, number>());
  // Each queue slot's queue: the slot of its length.
  const queueOf = new Int32Array(width);
  for (let a = 0; a < actorCount; a++) for (let k = 1; k <= sys.layout.queueCapacity[a]; k++) queueOf[sys.layout.queueBase[a] + k] = sys.layout.queueBase[a];
  const out: number[] = [];
  for (const v of states) {
    for (let s = 0; s < width; s++) {
      const kind = kinds[s] as Slot;
      if (kind === Slot.Raw) { out.push(v[s]); continue; }
      if (kind === Slot.Local) {
        let i = local[s].get(v[s]);
        if (i === undefined) { i = wordOf(kind, s, v[s]); local[s].set(v[s], i); }
        out.push(i);
        continue;
      }
      // A queue slot past the queue's length holds 0, an event id that may stand for different events in
      // different threads: it is no event.
      if (kind === Slot.Event && s - queueOf[s] > v[queueOf[s]]) { out.push(-1); continue; }
      out.push(wordOf(kind, s, v[s]));
    }
  }
  return { words, kinds, width, vectors: Int32Array.from(out) };
}

/** Counts the distinct states among several threads' portable states, up to `cap`; `keep(part, i)` picks the states counted. */
export function countDistinct(parts: PortableStates[], keep: (part: number, i: number) => boolean, cap: number): number {
  const global = new Map<string, number>();
  const seen = new Set<string>();
  parts.forEach((p, n) => {
    const to = p.words.map((w) => {
      let g = global.get(w);
      if (g === undefined) { g = global.size; global.set(w, g); }
      return g;
    });
    const row = new Array<number>(p.width);
    for (let i = 0; i * p.width < p.vectors.length && seen.size < cap; i++) {
      if (!keep(n, i)) continue;
      for (let s = 0; s < p.width; s++) {
        const x = p.vectors[i * p.width + s];
        row[s] = p.kinds[s] === Slot.Raw || x < 0 ? x : to[x];
      }
      seen.add(row.join(','));
    }
  });
  return seen.size;
}
