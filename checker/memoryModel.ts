// How cell stores become visible to loads: sequential consistency, x86-TSO and ARMv8 (README,
// "Memory models"). Each model keeps its state in regions of the packed vector after the queues
// (`regions`: a length slot, then that many items), so the state store packs only what is in use.
//
// The cell slots at `layout.cellBase` always hold each cell's coherence-latest value in memory (what
// properties see as `g.cells`); buffered stores are not there until they are flushed.
//
// Loads may branch (ARM): `loadValues` says which values a load may return, `load` takes one.
import type { Layout } from './compile.ts';

export type MemoryModelName = 'sc' | 'tso' | 'arm';
export const MEMORY_MODELS: readonly MemoryModelName[] = ['sc', 'tso', 'arm'];

export enum FenceKind { Full, Store, Load }
export const FENCE_NAMES = ['full', 'store', 'load'] as const;

/** What the models leave out of the architecture; printed beside every verdict given under the model. */
export const MEMORY_CAVEATS: Record<MemoryModelName, string | null> = {
  sc: null,
  tso: null,
  arm: 'without load buffering',
};

/**
 * Said beside a tso or arm verdict whose exploration used the synchronizing events: a post, call or
 * reply that drained a non-empty store buffer, or (arm) a receiver made to see writes its views did
 * not cover. Stronger than the hardware, where only the sender's own barrier orders its stores.
 */
export const EVENT_SYNC_CAVEAT = 'events between actors synchronize';

/**
 * Said beside an arm verdict whose exploration fired a timer that let its actor see writes its views
 * did not cover. Time passes only when nothing else can happen (README, "Time"): by then every store
 * buffer is drained, and a timer's actor reads the latest values, as under tso, where the drained
 * stores are in memory. The architecture bounds no propagation delay, so this is stronger than the
 * hardware; without it a load 100 ms after a store could still return the value before it.
 */
export const TIMER_SYNC_CAVEAT = 'timers see every earlier store';

/**
 * Said beside an arm verdict with a liveness violation whose cycle needs a load to return a stale value
 * forever (checker/staleReads.ts): the hardware makes stores visible in finite time, so that run may
 * not happen, while the model bounds no propagation delay.
 */
export const STALE_FOREVER_CAVEAT = 'a lasso needs a load stale forever';

export interface MemorySettings {
  /** Per actor (tso, arm): stores that may wait in the store buffer. */
  storeBuffer: number;
  /** arm: messages kept in the write history, over all cells (the latest of each cell included). */
  history: number;
}

export interface MemoryModel {
  readonly name: MemoryModelName;
  /** Start (length slot) of each region this model adds to the vector, in increasing order. */
  readonly regions: number[];
  /** Why the last operation that returned false could not proceed (a bound of the model was hit). */
  boundReason: string;
  init(v: Int32Array): void;
  /** Runs before a load (ARM: an acquire load first commits earlier release stores); false at a bound. */
  beforeLoad(v: Int32Array, actor: number, acquire: boolean): boolean;
  /** The value ids a load by `actor` of `cell` may return in `v`, one per option (at least one); pure. */
  loadValues(v: Int32Array, actor: number, cell: number, acquire: boolean): number[];
  /** Whether a load may return more than one value (then `reads` and `load` branch). */
  readonly branching: boolean;
  /** Performs the load, returning option `option`'s value id; false-y never: loads cannot hit a bound. */
  load(v: Int32Array, actor: number, cell: number, acquire: boolean, option: number): number;
  /** Whether the last load was forwarded from the actor's own store buffer. */
  forwarded: boolean;
  /** Stores value id `value` to `cell`; false when a bound cut it off. */
  store(v: Int32Array, actor: number, cell: number, value: number, release: boolean): boolean;
  fence(v: Int32Array, actor: number, kind: FenceKind): boolean;
  /** `actor` receives an event from another actor (a delivered post, a call, a reply), or its timer fires: it synchronizes. True when that let it see more. */
  receive(v: Int32Array, actor: number): boolean;
  /**
   * Read-modify-write options: option 0 is the fully ordered RMW on the latest value; options 1.. are
   * relaxed loads of values for which `fails(value)` holds (a failed cmpxchg or test_and_set_bit is
   * an unordered load in Linux, memory-barriers.txt "atomic operations").
   */
  rmwOptions(v: Int32Array, actor: number, cell: number, fails: (value: number) => boolean): number;
  /** Performs option `option`: returns the old value id; `write(old)` gives the value to store or -1. */
  rmw(v: Int32Array, actor: number, cell: number, option: number, fails: (value: number) => boolean, write: (old: number) => number): number;
  /** Cells whose oldest buffered store by `actor` may be flushed now. */
  flushable(v: Int32Array, actor: number, visit: (cell: number) => void): void;
  /** Flushes `actor`'s oldest buffered store to `cell`; returns its value id, or -1 when a bound cut it off. */
  flush(v: Int32Array, actor: number, cell: number): number;
  /** `actor`'s buffered stores, oldest first (fence markers as cell -1). */
  buffered(v: Int32Array, actor: number): { cell: number; value: number; release: boolean }[];
  /** Puts the model's regions in canonical form at the end of a step, so equivalent states are stored once. */
  normalize(v: Int32Array): void;
  /**
   * Writes into `to` the model's regions of `from` with actors and cells renamed (symmetry reduction,
   * checker/symmetry.ts): actor `a`'s regions become actor `actorOf[a]`'s, cell `c` becomes `cellOf[c]`.
   * `normalize` afterwards puts the result in canonical form.
   */
  permute(from: Int32Array, to: Int32Array, actorOf: Int32Array, cellOf: Int32Array): void;
}

/** A store buffer at `from[at]` (length, entries) written at `to[dest]` with its cells renamed. */
function permuteBuffer(from: Int32Array, at: number, to: Int32Array, dest: number, cap: number, cells: number, cellOf: Int32Array): void {
  to[dest] = from[at];
  for (let k = 1; k <= cap; k++) {
    const e = from[at + k];
    to[dest + k] = k > from[at] || e === MARKER ? e : entry(cells, cellOf[entryCell(cells, e)], entryValue(cells, e), entryRelease(e));
  }
}

/** Vector slots each model needs after `base` for `actors` actors and `cells` cells. */
export function memoryWidth(name: MemoryModelName, actors: number, cells: number, s: MemorySettings): number {
  if (name === 'sc') return 0;
  if (name === 'tso') return actors * (1 + s.storeBuffer);
  return 1 + s.history + actors * (1 + ARM_VIEWS(cells) + 1 + s.storeBuffer);
}

const ARM_VIEWS = (cells: number) => cells + 4;

/**
 * `finished(v, a)`: actor `a` has reached a final state in `v`, so it will never load again.
 * `loadable[a][c]` (arm): actor `a` may ever load cell `c` (checker/loadedCells.ts); null: the plain model, which forgets nothing.
 */
export function createMemoryModel(
  name: MemoryModelName, layout: Layout, s: MemorySettings,
  finished: (v: Int32Array, actor: number) => boolean = () => false, loadable: Uint8Array[] | null = null,
): MemoryModel {
  if (name === 'sc') return sequentialConsistency(layout);
  if (name === 'tso') return totalStoreOrder(layout, s);
  return armv8(layout, s, finished, loadable);
}

function sequentialConsistency(layout: Layout): MemoryModel {
  const base = layout.cellBase;
  return {
    name: 'sc', regions: [], boundReason: '', forwarded: false, branching: false,
    init() {},
    beforeLoad: () => true,
    loadValues: (v, _a, cell) => [v[base + cell]],
    load: (v, _a, cell) => v[base + cell],
    store(v, _a, cell, value) { v[base + cell] = value; return true; },
    fence: () => true,
    receive: () => false,
    rmwOptions: () => 1,
    rmw(v, _a, cell, _o, _f, write) {
      const old = v[base + cell];
      const next = write(old);
      if (next >= 0) v[base + cell] = next;
      return old;
    },
    flushable() {},
    flush: () => -1,
    buffered: () => [],
    normalize() {},
    permute() {},
  };
}

// Buffer entries pack (value, cell, release) into one non-negative int; 0 is a store-fence marker.
export const entry = (cells: number, cell: number, value: number, release: boolean) => 1 + ((value * cells + cell) << 1) + (release ? 1 : 0);
export const entryCell = (cells: number, e: number) => ((e - 1) >>> 1) % cells;
export const entryValue = (cells: number, e: number) => Math.floor(((e - 1) >>> 1) / cells);
export const entryRelease = (e: number) => ((e - 1) & 1) === 1;
const MARKER = 0;

function decodeBuffer(v: Int32Array, at: number, cells: number) {
  const out: { cell: number; value: number; release: boolean }[] = [];
  for (let k = 1; k <= v[at]; k++) {
    const e = v[at + k];
    out.push(e === MARKER ? { cell: -1, value: -1, release: false } : { cell: entryCell(cells, e), value: entryValue(cells, e), release: entryRelease(e) });
  }
  return out;
}

/**
 * x86-TSO (Owens, Sarkar, Sewell, TPHOLs 2009 / CACM 2010): a FIFO store buffer per actor; a load takes
 * the actor's newest buffered store to the cell, else memory; flushing the oldest store is a step of
 * its own; a full fence or a locked RMW drains the buffer first (the drain is the run of flush steps
 * that the fence waits for, taken back to back). Store and load fences, release stores and acquire
 * loads are plain on x86 (no store-store or load-load reordering).
 */
function totalStoreOrder(layout: Layout, s: MemorySettings): MemoryModel {
  const base = layout.cellBase;
  const cells = layout.cellCount;
  const cap = s.storeBuffer;
  const buf = (a: number) => layout.memoryBase + a * (1 + cap);
  const regions = Array.from({ length: layout.actorCount }, (_, a) => buf(a));
  const drain = (v: Int32Array, a: number) => {
    const b = buf(a);
    for (let k = 1; k <= v[b]; k++) { const e = v[b + k]; v[base + entryCell(cells, e)] = entryValue(cells, e); v[b + k] = 0; }
    v[b] = 0;
  };
  const m: MemoryModel = {
    name: 'tso', regions, boundReason: '', forwarded: false, branching: false,
    init() {},
    beforeLoad: () => true,
    loadValues(v, a, cell) {
      const b = buf(a);
      for (let k = v[b]; k >= 1; k--) if (entryCell(cells, v[b + k]) === cell) return [entryValue(cells, v[b + k])];
      return [v[base + cell]];
    },
    load(v, a, cell) {
      const b = buf(a);
      for (let k = v[b]; k >= 1; k--) {
        if (entryCell(cells, v[b + k]) === cell) { m.forwarded = true; return entryValue(cells, v[b + k]); }
      }
      m.forwarded = false;
      return v[base + cell];
    },
    store(v, a, cell, value) {
      const b = buf(a);
      if (v[b] === cap) {
        m.boundReason = `storeBuffer: actor ${a}'s store buffer is full (capacity ${cap})`;
        return false;
      }
      v[b + 1 + v[b]] = entry(cells, cell, value, false);
      v[b]++;
      return true;
    },
    fence(v, a, kind) { if (kind === FenceKind.Full) drain(v, a); return true; },
    receive: () => false,
    rmwOptions: () => 1,
    rmw(v, a, cell, _o, _f, write) {
      drain(v, a);
      const old = v[base + cell];
      const next = write(old);
      if (next >= 0) v[base + cell] = next;
      return old;
    },
    flushable(v, a, visit) { const b = buf(a); if (v[b] > 0) visit(entryCell(cells, v[b + 1])); },
    flush(v, a) {
      const b = buf(a);
      const e = v[b + 1];
      const len = v[b];
      for (let k = 1; k < len; k++) v[b + k] = v[b + k + 1];
      v[b + len] = 0;
      v[b] = len - 1;
      v[base + entryCell(cells, e)] = entryValue(cells, e);
      return entryValue(cells, e);
    },
    buffered: (v, a) => decodeBuffer(v, buf(a), cells),
    normalize() {},
    permute(from, to, actorOf, cellOf) {
      for (let a = 0; a < layout.actorCount; a++) permuteBuffer(from, buf(a), to, buf(actorOf[a]), cap, cells, cellOf);
    },
  };
  return m;
}

/**
 * ARMv8 after Promising-ARM (Pulte, Pichon-Pharabod, Kang, Lee, Hur, PLDI 2019) without promises,
 * with stores committed from a per-actor buffer:
 * - memory is one list of messages (cell, value), in the global order writes became visible (ARMv8 is
 *   other-multi-copy-atomic); an index into it is a view. Each actor keeps `coh[cell]` and the views
 *   vrOld (lower bound of later loads), vrNew (joined loads), vwNew (joined own writes) and vRel (own
 *   release writes).
 * - a load of x may read any x message m with no x write in (m, max(vrOld, coh[x])] (acquire loads add
 *   vRel), or the actor's own newest buffered store to x (forwarding, raising no view); then
 *   coh[x] and vrNew join max(m, vpre), and an acquire load also raises vrOld.
 * - a store waits in the actor's buffer and commits (is appended) in a step of its own: stores to
 *   different cells commit in any order, except across a store fence (smp_wmb), and a release store
 *   only after every earlier one. A full fence commits the whole buffer and sets vrOld to
 *   vrNew | vwNew; a load fence sets vrOld to vrNew.
 * - a fully ordered RMW is a full fence, a read of the latest message, an appended write, a full fence.
 * Left out: promises (so load buffering, LB, is forbidden where the hardware allows it) and address,
 * data and control dependencies (they order nothing here: weaker than the hardware, never stronger).
 * Messages that no actor can read any more (its views rule them out, it has finished, or it never
 * loads the cell) are dropped and views renumbered, so the history stays short. At the end of each
 * step `normalize` forgets what no actor can observe (see there). With `loadable` null nothing is
 * forgotten: the plain model, only for checking the rest against.
 */
function armv8(layout: Layout, s: MemorySettings, finished: (v: Int32Array, actor: number) => boolean, loadable: Uint8Array[] | null): MemoryModel {
  const base = layout.cellBase;
  const cells = layout.cellCount;
  const cap = s.storeBuffer;
  const H = s.history;
  const hist = layout.memoryBase;
  const VW = ARM_VIEWS(cells);
  const perActor = 1 + VW + 1 + cap;
  const views = (a: number) => hist + 1 + H + a * perActor; // length slot; coh[0..cells), vrOld, vrNew, vwNew, vRel
  const buf = (a: number) => views(a) + 1 + VW;
  const VR_OLD = cells + 1, VR_NEW = cells + 2, VW_NEW = cells + 3, V_REL = cells + 4;
  const regions = [hist];
  for (let a = 0; a < layout.actorCount; a++) regions.push(views(a), buf(a));
  const msgCell = (x: number) => x % cells;
  const msgValue = (x: number) => Math.floor(x / cells);
  const minBound = new Int32Array(cells);
  const NONE = 0x7fffffff;
  // No loadable table: the plain model, which forgets nothing (the write history only grows), for
  // test/armReduction.test.ts to check what is forgotten against.
  const plain = loadable === null;
  const actors = layout.actorCount;
  const may = (a: number, c: number) => loadable === null || loadable[a][c] === 1;
  const loadsAny = Array.from({ length: actors }, (_, a) => Array.from({ length: cells }, (_, c) => may(a, c)).some(Boolean));
  const group = loadGroups(cells, actors, may);
  const groupCount = new Set(group).size;
  const floor = new Int32Array(H + 1);
  const order = new Int32Array(H + 1);
  const newIndex = new Int32Array(H + 1);
  const moved = new Int32Array(H + 1);
  const nextOf = new Int32Array(cells);
  const kept = new Uint8Array(H + 1);
  const keptUpTo = new Int32Array(H + 1);

  // Indices of messages are 1-based: message i is at v[hist + i]; view 0 has seen nothing.
  const readable = (v: Int32Array, a: number, cell: number, acquire: boolean, visit: (i: number) => void) => {
    const vw = views(a);
    let vpre = v[vw + VR_OLD];
    if (acquire && v[vw + V_REL] > vpre) vpre = v[vw + V_REL];
    const bound = Math.max(vpre, v[vw + 1 + cell]);
    // The oldest readable message: the last one to the cell within the bound (or the cell's first).
    let floor = 0;
    const len = v[hist];
    for (let i = 1; i <= len; i++) {
      if (msgCell(v[hist + i]) !== cell) continue;
      if (i <= bound || floor === 0) floor = i;
      if (i > bound) break;
    }
    for (let i = floor; i <= len; i++) if (msgCell(v[hist + i]) === cell) visit(i);
  };
  const ownNewest = (v: Int32Array, a: number, cell: number): number => {
    const b = buf(a);
    for (let k = v[b]; k >= 1; k--) { const e = v[b + k]; if (e !== MARKER && entryCell(cells, e) === cell) return k; }
    return 0;
  };
  const join = (v: Int32Array, at: number, t: number) => { if (v[at] < t) v[at] = t; };

  /** Drops messages no actor can read any more (a newer write to the cell lies within its bound). */
  const collect = (v: Int32Array) => {
    if (plain) return;
    minBound.fill(NONE);
    for (let a = 0; a < actors; a++) {
      if (finished(v, a)) continue; // a finished actor never loads again
      const vw = views(a);
      for (let c = 0; c < cells; c++) {
        if (!may(a, c)) continue;
        const b = Math.max(v[vw + VR_OLD], v[vw + 1 + c]);
        if (b < minBound[c]) minBound[c] = b;
      }
    }
    // One backward pass decides, in the history's own numbering, which writes go: a write goes when the
    // next write to its cell is within every bound on the cell. Then the rest move down and each view
    // becomes the number of writes kept at or before it (a view on a dropped write lands on the one
    // before).
    const len = v[hist];
    nextOf.fill(0);
    let dropped = 0;
    for (let i = len; i >= 1; i--) {
      const c = msgCell(v[hist + i]);
      const next = nextOf[c];
      nextOf[c] = i;
      kept[i] = next === 0 || next > minBound[c] ? 1 : 0;
      if (kept[i] === 0) dropped++;
    }
    if (dropped === 0) return;
    keptUpTo[0] = 0;
    let n = 0;
    for (let i = 1; i <= len; i++) {
      if (kept[i] === 1) v[hist + ++n] = v[hist + i];
      keptUpTo[i] = n;
    }
    for (let i = n + 1; i <= len; i++) v[hist + i] = 0;
    v[hist] = n;
    for (let a = 0; a < actors; a++) {
      const vw = views(a);
      for (let k = 1; k <= VW; k++) v[vw + k] = keptUpTo[v[vw + k]];
    }
  };
  const append = (v: Int32Array, a: number, cell: number, value: number, release: boolean): boolean => {
    collect(v);
    if (v[hist] === H) {
      m.boundReason = `history: the ARM write history is full (${H} messages; raise \`history\`)`;
      return false;
    }
    const t = ++v[hist];
    v[hist + t] = value * cells + cell;
    v[base + cell] = value;
    const vw = views(a);
    join(v, vw + 1 + cell, t);
    join(v, vw + VW_NEW, t);
    if (release) join(v, vw + V_REL, t);
    return true;
  };
  const removeEntry = (v: Int32Array, b: number, k: number) => {
    const len = v[b];
    for (let j = k; j < len; j++) v[b + j] = v[b + j + 1];
    v[b + len] = 0;
    v[b] = len - 1;
  };
  /** Commits buffer entries 1..upto in order, dropping fence markers. */
  const drainTo = (v: Int32Array, a: number, upto: number): boolean => {
    const b = buf(a);
    for (let k = 0; k < upto; k++) {
      const e = v[b + 1];
      if (e !== MARKER && !append(v, a, entryCell(cells, e), entryValue(cells, e), entryRelease(e))) return false;
      removeEntry(v, b, 1);
    }
    return true;
  };
  const fullFence = (v: Int32Array, a: number): boolean => {
    if (!drainTo(v, a, v[buf(a)])) return false;
    const vw = views(a);
    join(v, vw + VR_OLD, Math.max(v[vw + VR_NEW], v[vw + VW_NEW]));
    collect(v);
    return true;
  };
  const eligible = (v: Int32Array, a: number, k: number): boolean => {
    const b = buf(a);
    const e = v[b + k];
    if (e === MARKER) return false;
    if (entryRelease(e)) return k === 1;
    const cell = entryCell(cells, e);
    for (let j = 1; j < k; j++) { const f = v[b + j]; if (f === MARKER || entryCell(cells, f) === cell) return false; }
    return true;
  };
  let scratch: number[] = [];

  const m: MemoryModel = {
    name: 'arm', regions, boundReason: '', forwarded: false, branching: true,
    init(v) {
      v[hist] = cells;
      for (let c = 0; c < cells; c++) v[hist + 1 + c] = v[base + c] * cells + c;
      for (let a = 0; a < layout.actorCount; a++) v[views(a)] = VW;
    },
    beforeLoad(v, a, acquire) {
      if (!acquire) return true;
      // RCsc: an acquire load is ordered after the actor's earlier release stores.
      const b = buf(a);
      let last = 0;
      for (let k = 1; k <= v[b]; k++) if (v[b + k] !== MARKER && entryRelease(v[b + k])) last = k;
      return last === 0 || drainTo(v, a, last);
    },
    loadValues(v, a, cell, acquire) {
      const own = ownNewest(v, a, cell);
      if (own > 0) return [entryValue(cells, v[buf(a) + own])];
      const out: number[] = [];
      readable(v, a, cell, acquire, (i) => out.push(msgValue(v[hist + i])));
      return out;
    },
    load(v, a, cell, acquire, option) {
      const vw = views(a);
      const own = ownNewest(v, a, cell);
      if (own > 0) {
        m.forwarded = true;
        return entryValue(cells, v[buf(a) + own]);
      }
      m.forwarded = false;
      scratch = [];
      readable(v, a, cell, acquire, (i) => scratch.push(i));
      const t = scratch[Math.min(option, scratch.length - 1)];
      let vpre = v[vw + VR_OLD];
      if (acquire && v[vw + V_REL] > vpre) vpre = v[vw + V_REL];
      const vpost = Math.max(t, vpre);
      join(v, vw + 1 + cell, vpost);
      join(v, vw + VR_NEW, vpost);
      if (acquire) join(v, vw + VR_OLD, vpost);
      const value = msgValue(v[hist + t]);
      collect(v);
      return value;
    },
    store(v, a, cell, value, release) {
      const b = buf(a);
      if (v[b] === cap) {
        m.boundReason = `storeBuffer: actor ${a}'s store buffer is full (capacity ${cap})`;
        return false;
      }
      v[b + 1 + v[b]] = entry(cells, cell, value, release);
      v[b]++;
      return true;
    },
    fence(v, a, kind) {
      if (kind === FenceKind.Full) return fullFence(v, a);
      if (kind === FenceKind.Load) {
        const vw = views(a);
        join(v, vw + VR_OLD, v[vw + VR_NEW]);
        collect(v);
        return true;
      }
      const b = buf(a);
      if (v[b] === 0 || v[b + v[b]] === MARKER) return true;
      if (v[b] === cap) {
        m.boundReason = `storeBuffer: actor ${a}'s store buffer is full (capacity ${cap})`;
        return false;
      }
      v[b + 1 + v[b]] = MARKER;
      v[b]++;
      return true;
    },
    receive(v, a) {
      const vw = views(a);
      let raised = false;
      for (let i = v[vw + VR_OLD] + 1; i <= v[hist] && !raised; i++) raised = may(a, msgCell(v[hist + i]));
      join(v, vw + VR_OLD, v[hist]);
      collect(v);
      return raised;
    },
    rmwOptions(v, a, cell, fails) {
      let n = 1;
      if (ownNewest(v, a, cell) > 0) return fails(entryValue(cells, v[buf(a) + ownNewest(v, a, cell)])) ? 2 : 1;
      readable(v, a, cell, false, (i) => { if (fails(msgValue(v[hist + i]))) n++; });
      return n;
    },
    rmw(v, a, cell, option, fails, write) {
      if (option > 0) {
        // A failed RMW: an unordered load of a value it fails on.
        const own = ownNewest(v, a, cell);
        if (own > 0) return entryValue(cells, v[buf(a) + own]);
        scratch = [];
        readable(v, a, cell, false, (i) => { if (fails(msgValue(v[hist + i]))) scratch.push(i); });
        const t = scratch[option - 1];
        const vw = views(a);
        const vpost = Math.max(t, v[vw + VR_OLD]);
        join(v, vw + 1 + cell, vpost);
        join(v, vw + VR_NEW, vpost);
        const value = msgValue(v[hist + t]);
        collect(v);
        return value;
      }
      if (!fullFence(v, a)) return -2;
      const old = v[base + cell];
      let latest = 0;
      for (let i = v[hist]; i >= 1; i--) if (msgCell(v[hist + i]) === cell) { latest = i; break; }
      const vw = views(a);
      join(v, vw + 1 + cell, latest);
      join(v, vw + VR_NEW, latest);
      const next = write(old);
      if (next >= 0 && !append(v, a, cell, next, false)) return -2;
      if (!fullFence(v, a)) return -2;
      return old;
    },
    flushable(v, a, visit) {
      const b = buf(a);
      for (let k = 1; k <= v[b]; k++) if (eligible(v, a, k)) visit(entryCell(cells, v[b + k]));
    },
    flush(v, a, cell) {
      const b = buf(a);
      for (let k = 1; k <= v[b]; k++) {
        const e = v[b + k];
        if (e !== MARKER && entryCell(cells, e) === cell && eligible(v, a, k)) {
          if (!append(v, a, cell, entryValue(cells, e), entryRelease(e))) return -1;
          removeEntry(v, b, k);
          // A marker with no store before it orders nothing any more.
          while (v[b] > 0 && v[b + 1] === MARKER) removeEntry(v, b, 1);
          collect(v);
          return entryValue(cells, e);
        }
      }
      return -1;
    },
    buffered: (v, a) => decodeBuffer(v, buf(a), cells),
    permute(from, to, actorOf, cellOf) {
      to[hist] = from[hist];
      for (let i = 1; i <= H; i++) {
        const x = from[hist + i];
        to[hist + i] = i > from[hist] ? x : msgValue(x) * cells + cellOf[msgCell(x)];
      }
      for (let a = 0; a < actors; a++) {
        const from0 = views(a), to0 = views(actorOf[a]);
        to[to0] = from[from0];
        for (let c = 0; c < cells; c++) to[to0 + 1 + cellOf[c]] = from[from0 + 1 + c];
        for (let k = cells + 1; k <= VW; k++) to[to0 + k] = from[from0 + k];
        permuteBuffer(from, buf(a), to, buf(actorOf[a]), cap, cells, cellOf);
      }
    },
    normalize(v) {
      if (plain) return;
      collect(v);
      const len = v[hist];
      // A view only ever meets messages of cells its actor loads (readable, collect), and joins keep
      // that: so each view becomes the last such message at or before it, and an actor that finished
      // or loads nothing keeps none. coh[c] of a cell the actor never loads is never met at all.
      for (let a = 0; a < actors; a++) {
        const vw = views(a);
        if (!loadsAny[a] || finished(v, a)) { for (let k = 1; k <= VW; k++) v[vw + k] = 0; continue; }
        floor[0] = 0;
        for (let i = 1; i <= len; i++) floor[i] = may(a, msgCell(v[hist + i])) ? i : floor[i - 1];
        for (let k = 1; k <= VW; k++) {
          const c = k - 1;
          v[vw + k] = c < cells && !may(a, c) ? 0 : floor[Math.min(v[vw + k], len)];
        }
      }
      if (groupCount < 2) return;
      // The order between messages of cells no one actor loads together is seen by no one: put each
      // group's messages together (in group order, each group's own order kept) and renumber the views.
      let sorted = true;
      for (let i = 2; i <= len && sorted; i++) sorted = group[msgCell(v[hist + i - 1])] <= group[msgCell(v[hist + i])];
      if (sorted) return;
      let n = 0;
      for (let g = 0; g < cells; g++) for (let i = 1; i <= len; i++) if (group[msgCell(v[hist + i])] === g) order[++n] = i;
      for (let j = 1; j <= len; j++) { newIndex[order[j]] = j; moved[j] = v[hist + order[j]]; }
      for (let j = 1; j <= len; j++) v[hist + j] = moved[j];
      for (let a = 0; a < actors; a++) {
        const vw = views(a);
        for (let k = 1; k <= VW; k++) if (v[vw + k] > 0) v[vw + k] = newIndex[v[vw + k]];
      }
    },
  };
  return m;
}

/**
 * Groups of cells whose messages' relative order some actor can observe: cells one actor may load are
 * in one group (union-find); a cell no actor loads is a group of its own. Each cell's group is the
 * smallest cell index in it, so groups sort in cell order.
 */
function loadGroups(cells: number, actors: number, may: (a: number, c: number) => boolean): Int32Array {
  const parent = Int32Array.from({ length: cells }, (_, c) => c);
  const find = (c: number): number => { while (parent[c] !== c) c = parent[c] = parent[parent[c]]; return c; };
  for (let a = 0; a < actors; a++) {
    let first = -1;
    for (let c = 0; c < cells; c++) {
      if (!may(a, c)) continue;
      if (first < 0) { first = c; continue; }
      const x = find(first), y = find(c);
      if (x !== y) parent[Math.max(x, y)] = Math.min(x, y);
    }
  }
  return Int32Array.from({ length: cells }, (_, c) => find(c));
}
