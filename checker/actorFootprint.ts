// What steps touch, as resources for the partial-order reduction (checker/partialOrder.ts): each cell,
// each actor's queue tail (posts to it), queue head (its deliveries), local state (its own steps, calls
// into it, its store buffer) and the timer clock. A footprint is the resources read and written; two
// footprints conflict when one writes what the other reads or writes. `all` stands for anything: a
// step or an actor whose footprint is not known.
import type { AnyStateMachine } from 'xstate';
import { scanActions } from './machineActions.ts';
import type { CompiledSystem } from './compile.ts';
import { scanLoadedCells } from './loadedCells.ts';
import { TOUCHES } from './vocabulary.ts';
import type { Touches } from './vocabulary.ts';

export class Footprint {
  /** Bit r of word r >> 5: resource r is read, written. Few resources fit in a word or two, so the hot checks are a few word operations. */
  readonly reads: Int32Array;
  readonly writes: Int32Array;
  all = false;
  constructor(size: number) {
    this.reads = new Int32Array((size + 31) >>> 5);
    this.writes = new Int32Array((size + 31) >>> 5);
  }
  clear(): void { this.reads.fill(0); this.writes.fill(0); this.all = false; }
  read(r: number): void { this.reads[r >>> 5] |= 1 << (r & 31); }
  write(r: number): void { this.writes[r >>> 5] |= 1 << (r & 31); }
  add(f: Footprint): void {
    if (f.all) this.all = true;
    const { reads, writes } = this;
    for (let i = 0; i < reads.length; i++) { reads[i] |= f.reads[i]; writes[i] |= f.writes[i]; }
  }
  conflicts(f: Footprint): boolean {
    if (this.all || f.all) return true;
    const { reads, writes } = this;
    for (let i = 0; i < reads.length; i++) {
      if ((writes[i] & (f.reads[i] | f.writes[i])) | (f.writes[i] & reads[i])) return true;
    }
    return false;
  }
  /** Writes some resource that `visible` writes (the resources it marks). */
  writesAny(visible: Footprint): boolean {
    if (this.all) return true;
    for (let i = 0; i < this.writes.length; i++) if (visible.writes[i] & this.writes[i]) return true;
    return false;
  }
}

/** Where each resource sits in a footprint. */
export class Resources {
  readonly size: number;
  constructor(readonly cells: number, readonly actors: number) {
    this.size = cells + 3 * actors + 1;
  }
  cell(c: number): number { return c; }
  tail(a: number): number { return this.cells + a; }
  head(a: number): number { return this.cells + this.actors + a; }
  local(a: number): number { return this.cells + 2 * this.actors + a; }
  get clock(): number { return this.cells + 3 * this.actors; }
}

/** The names a machine's actions may store, post to and call (null: any), read off the vocabulary's marks. */
export interface ScannedTouches {
  stores: Set<string> | null;
  posts: Set<string> | null;
  calls: Set<string> | null;
}

/** As checker/loadedCells.ts: anything the scan cannot see through (an unmarked `emit`, `enqueueActions`) may touch anything. */
export function scanTouches(machine: AnyStateMachine): ScannedTouches | null {
  const out: ScannedTouches = { stores: new Set(), posts: new Set(), calls: new Set() };
  const merge = (into: Set<string> | null, names: string[] | null | undefined): Set<string> | null => {
    if (into === null || names === null) return null;
    for (const n of names ?? []) into.add(n);
    return into;
  };
  const seeThrough = scanActions(machine, (action) => {
    if (!(TOUCHES in action)) return undefined;
    const t = (action as any)[TOUCHES] as Touches;
    out.stores = merge(out.stores, t.stores);
    out.posts = merge(out.posts, t.posts);
    out.calls = merge(out.calls, t.calls);
    return true;
  });
  return seeThrough ? out : null;
}

/** The actors some actor's machine may call (by the scan), or null when a machine's calls are not known. */
export function callTargets(sys: CompiledSystem): Set<string> | null {
  const out = new Set<string>();
  for (const name of sys.actorNames) {
    const calls = scanTouches(sys.definition.actors[name].machine)?.calls;
    if (calls === null || calls === undefined) return null;
    for (const c of calls) out.add(c);
  }
  return out;
}

/**
 * Per actor, the footprint of every step it may ever take (all its transitions, as scanned), a call
 * counting as the callee's steps too. Names that are no actor or cell are left out: touching them is a
 * modelError, and such a step changes nothing.
 */
export function actorFootprints(sys: CompiledSystem, res: Resources): Footprint[] {
  const n = sys.actorNames.length;
  const own = sys.actorNames.map((name, a) => {
    const f = new Footprint(res.size);
    const machine = sys.definition.actors[name].machine;
    const loads = scanLoadedCells(machine);
    const touches = scanTouches(machine);
    if (loads === null || touches === null || touches.stores === null || touches.posts === null || touches.calls === null) f.all = true;
    for (const c of sys.actors[a].readCells) f.read(res.cell(c));
    for (const c of loads ?? []) { const k = sys.ns.cellIndex.get(c); if (k !== undefined) f.read(res.cell(k)); }
    for (const c of touches?.stores ?? []) { const k = sys.ns.cellIndex.get(c); if (k !== undefined) f.write(res.cell(k)); }
    for (const to of touches?.posts ?? []) { const k = sys.ns.actorIndex.get(to); if (k !== undefined) f.write(res.tail(k)); }
    f.write(res.head(a));
    f.write(res.local(a));
    if (sys.actors[a].timerEvents.length > 0) f.write(res.clock);
    const calls = [...(touches?.calls ?? [])].map((c) => sys.ns.actorIndex.get(c)).filter((k): k is number => k !== undefined);
    return { f, calls };
  });
  return own.map((_, a) => {
    const f = new Footprint(res.size);
    const seen = new Set<number>();
    const walk = (x: number) => {
      if (seen.has(x)) return;
      seen.add(x);
      f.add(own[x].f);
      for (const y of own[x].calls) walk(y);
    };
    walk(a);
    if (n === 0) f.all = true;
    return f;
  });
}
