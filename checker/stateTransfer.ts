// Carrying states between the threads of a parallel search (checker/parallelSearch.ts). Each thread
// interns local states, cell values and events in its own order, so a vector means something only in
// the thread that made it. Two things make it mean the same elsewhere:
// - the owner of a state is a hash of what its ids stand for (their canonical keys), not of the ids, so
//   every thread computes the same owner for the same state;
// - a vector sent to another thread goes in the sender's ids, with what each id the receiver has not
//   been told of yet stands for (a local state's persisted snapshot, a value, an event); the receiver
//   interns those in its own tables and rewrites the vector through the map it keeps per sender.
// A local state is rebuilt from its persisted snapshot with XState's restoreSnapshot and interned by its
// canonical key, which must come out as the sender's: the explorer already treats snapshots with equal
// keys as one local state, so the rebuilt one stands for the same state as the original.
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { canonicalJson } from './canonical.ts';
import type { CompiledSystem } from './compile.ts';
import { entry, entryCell, entryRelease, entryValue } from './memoryModel.ts';
import { slotKinds } from './portableStates.ts';
import type { CellValue } from './vocabulary.ts';

const RAW = 0, LOCAL = 1, VALUE = 2, EVENT = 3, ENTRY = 4;

/** What ids of a batch's vectors stand for, for the ids its receiver has not been sent before. */
export interface Dictionary {
  /** [actor, sender's id, persisted snapshot, canonical key] */
  locals: [number, number, unknown, string][];
  values: [number, CellValue][];
  events: [number, EventObject][];
}

/** 32-bit FNV-1a of a string. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** Murmur3's finaliser: spreads every input bit over the result. */
function mix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The thread-independent view of one thread's vectors: slot kinds, and a hash per id of what it stands for. */
export class StateTransfer {
  readonly kinds: Uint8Array;
  /** The slots the owner hash covers (see `term`). */
  readonly hashed: Uint8Array;
  private readonly width: number;
  private readonly cells: number;
  /** Each queue slot's queue-length slot (0 for other slots). */
  private readonly queueOf: Int32Array;
  private readonly localHash: number[][];
  private readonly valueHash: number[] = [];
  /** Per receiver: how many ids of each table it has been told. */
  private readonly told: { locals: number[]; values: number; events: number }[];
  /** Per sender: its ids to ours. */
  private readonly mapLocal: number[][][];
  private readonly mapValue: number[][];
  private readonly mapEvent: number[][];

  constructor(private readonly sys: CompiledSystem, threads: number) {
    const kinds = slotKinds(sys);
    if (kinds === null) throw new Error(`internal error: states under ${sys.memory} cannot be carried between threads`);
    this.kinds = kinds;
    this.hashed = new Uint8Array(kinds.length);
    for (let s = 0; s < kinds.length; s++) this.hashed[s] = kinds[s] === EVENT || kinds[s] === ENTRY ? 0 : 1;
    const { layout } = sys;
    this.width = layout.width;
    this.cells = layout.cellCount;
    this.queueOf = new Int32Array(layout.width);
    for (let a = 0; a < layout.actorCount; a++) for (let k = 1; k <= layout.queueCapacity[a]; k++) this.queueOf[layout.queueBase[a] + k] = layout.queueBase[a];
    this.localHash = sys.actors.map(() => []);
    const perThread = <T>(f: () => T) => Array.from({ length: threads }, f);
    this.told = perThread(() => ({ locals: sys.actors.map(() => 0), values: 0, events: 0 }));
    this.mapLocal = perThread(() => sys.actors.map(() => []));
    this.mapValue = perThread(() => []);
    this.mapEvent = perThread(() => []);
  }

  private local(a: number, id: number): number {
    let h = this.localHash[a][id];
    if (h === undefined) h = this.localHash[a][id] = stringHash(this.sys.actors[a].states.keys[id]);
    return h;
  }

  private value(id: number): number {
    let h = this.valueHash[id];
    if (h === undefined) h = this.valueHash[id] = stringHash(canonicalJson(this.sys.ns.values.values[id]));
    return h;
  }

  /** Whether slot `s` of `v` holds no event: past its queue's length (its 0 is then no id at all). */
  private pastQueue(v: Int32Array, s: number): boolean {
    return s - this.queueOf[s] > v[this.queueOf[s]];
  }

  /**
   * What one slot adds to the owner hash: every slot but queued events and store-buffer entries (the
   * queues' and buffers' lengths are in), each as the hash of what it stands for. A sum of per-slot
   * terms, so that a step changing a few slots in place changes the hash by those terms alone.
   */
  private term(s: number, x: number): number {
    if (!this.hashed[s]) return 0;
    let w: number;
    switch (this.kinds[s]) {
      case RAW: w = x; break;
      case LOCAL: w = x < 0 ? -1 : this.local(s, x); break;
      case VALUE: w = this.value(x); break;
      default: return 0;
    }
    return mix(Math.imul(w, 0x9e3779b1) ^ Math.imul(s + 1, 0x85ebca77));
  }

  /** The owner hash of `v`, which every thread computes alike for the same state: it decides which thread owns it. */
  hash(v: Int32Array): number {
    let h = 0;
    for (let s = 0; s < this.width; s++) h = (h + this.term(s, v[s])) | 0;
    return h;
  }

  /** The owner hash of `v`, which is the state of hash `h` with the fields logged at `log[0, n)` ([field, old value] pairs, first change first) changed in place. */
  rehash(h: number, v: Int32Array, log: Int32Array, n: number): number {
    outer: for (let k = 0; k < n; k += 2) {
      const f = log[k];
      for (let j = 0; j < k; j += 2) if (log[j] === f) continue outer;
      h = (h + this.term(f, v[f]) - this.term(f, log[k + 1])) | 0;
    }
    return h;
  }

  /** Which of `threads` threads owns the state of owner hash `h`. */
  static owner(h: number, threads: number): number {
    return mix(h) % threads;
  }

  /**
   * What this thread's ids stand for that receiver `to` has not been told yet: every id interned since
   * the last dictionary sent to it (ids are dense and only grow), so no vector needs looking at. A
   * receiver may so learn ids none of its states use, which only fills its tables.
   */
  dictionaryFor(to: number): Dictionary {
    const { sys } = this;
    const dict: Dictionary = { locals: [], values: [], events: [] };
    const told = this.told[to];
    sys.actors.forEach((actor, a) => {
      const { states } = actor;
      for (let id = told.locals[a]; id < states.size; id++) dict.locals.push([a, id, actor.machine.getPersistedSnapshot(states.snapshot(id)), states.keys[id]]);
      told.locals[a] = states.size;
    });
    const { values, events } = sys.ns;
    for (let id = told.values; id < values.size; id++) dict.values.push([id, values.values[id]]);
    told.values = values.size;
    for (let id = told.events; id < events.size; id++) dict.events.push([id, events.values[id]]);
    told.events = events.size;
    return dict;
  }

  /** Interns what sender `from` described; throws when a local state does not come back as the same state. */
  learn(from: number, dict: Dictionary): void {
    const { sys } = this;
    for (const [a, id, persisted, key] of dict.locals) {
      const actor = sys.actors[a];
      let snapshot: AnyMachineSnapshot;
      try {
        snapshot = actor.machine.restoreSnapshot!({ ...(persisted as object), children: {} } as any, { self: undefined } as any) as AnyMachineSnapshot;
      } catch (e) {
        throw new TransferError(`a local state of ${actor.name} cannot be restored from its persisted snapshot (${e instanceof Error ? e.message : String(e)})`);
      }
      const mine = actor.states.intern(snapshot);
      if (actor.states.keys[mine] !== key) throw new TransferError(`a local state of ${actor.name} restored from its persisted snapshot is not the same state (${key} became ${actor.states.keys[mine]})`);
      this.mapLocal[from][a][id] = mine;
    }
    for (const [id, value] of dict.values) this.mapValue[from][id] = sys.ns.values.intern(value);
    for (const [id, event] of dict.events) this.mapEvent[from][id] = sys.ns.events.intern(event);
  }

  /** Rewrites `v`, in sender `from`'s ids, into this thread's ids (in place). */
  translate(from: number, v: Int32Array): void {
    const { kinds } = this;
    const locals = this.mapLocal[from], values = this.mapValue[from], events = this.mapEvent[from];
    for (let s = 0; s < this.width; s++) {
      const x = v[s];
      switch (kinds[s]) {
        case RAW: break;
        case LOCAL: if (x >= 0) v[s] = known(locals[s][x]); break;
        case VALUE: v[s] = known(values[x]); break;
        case EVENT: v[s] = this.pastQueue(v, s) ? 0 : known(events[x]); break;
        default: if (x !== 0) v[s] = entry(this.cells, entryCell(this.cells, x), known(values[entryValue(this.cells, x)]), entryRelease(x));
      }
    }
  }
}

/** A state could not be carried to another thread: the search falls back to one thread. */
export class TransferError extends Error {}

function known(id: number | undefined): number {
  if (id === undefined) throw new Error('internal error: a vector carried between threads holds an id it was not told about');
  return id;
}

