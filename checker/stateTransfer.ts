// Carrying states between the threads of a parallel search (checker/parallelSearch.ts). Each thread
// interns local states, cell values and events in its own order, so a vector means something only in
// the thread that made it. Two things make it mean the same elsewhere:
// - the owner of a state is a hash of what its ids stand for (their canonical keys), not of the ids, so
//   every thread computes the same owner for the same state;
// - a vector sent to another thread goes in the sender's ids, with what each id the receiver has not
//   been sent yet stands for (a local state's persisted snapshot, a value, an event); the receiver
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
  private readonly width: number;
  private readonly cells: number;
  /** Each queue slot's queue-length slot (0 for other slots). */
  private readonly queueOf: Int32Array;
  private readonly localHash: number[][];
  private readonly valueHash: number[] = [];
  private readonly eventHash: number[] = [];
  /** Per receiver: the ids already described to it. */
  private readonly sentLocal: Uint8Array[][];
  private readonly sentValue: Uint8Array[];
  private readonly sentEvent: Uint8Array[];
  /** Per sender: its ids to ours. */
  private readonly mapLocal: number[][][];
  private readonly mapValue: number[][];
  private readonly mapEvent: number[][];

  constructor(private readonly sys: CompiledSystem, threads: number) {
    const kinds = slotKinds(sys);
    if (kinds === null) throw new Error(`internal error: states under ${sys.memory} cannot be carried between threads`);
    this.kinds = kinds;
    const { layout } = sys;
    this.width = layout.width;
    this.cells = layout.cellCount;
    this.queueOf = new Int32Array(layout.width);
    for (let a = 0; a < layout.actorCount; a++) for (let k = 1; k <= layout.queueCapacity[a]; k++) this.queueOf[layout.queueBase[a] + k] = layout.queueBase[a];
    this.localHash = sys.actors.map(() => []);
    const perThread = <T>(f: () => T) => Array.from({ length: threads }, f);
    this.sentLocal = perThread(() => sys.actors.map(() => new Uint8Array(0)));
    this.sentValue = perThread(() => new Uint8Array(0));
    this.sentEvent = perThread(() => new Uint8Array(0));
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

  private event(id: number): number {
    let h = this.eventHash[id];
    if (h === undefined) h = this.eventHash[id] = stringHash(canonicalJson(this.sys.ns.events.values[id]));
    return h;
  }

  /** Whether slot `s` of `v` holds no event: past its queue's length (its 0 is then no id at all). */
  private pastQueue(v: Int32Array, s: number): boolean {
    return s - this.queueOf[s] > v[this.queueOf[s]];
  }

  /** A hash of the state `v` that every thread computes alike: what decides which thread owns it. */
  hash(v: Int32Array): number {
    const { kinds } = this;
    let h = 0x9e3779b9;
    for (let s = 0; s < this.width; s++) {
      const x = v[s];
      let w: number;
      switch (kinds[s]) {
        case RAW: w = x; break;
        case LOCAL: w = x < 0 ? -1 : this.local(s, x); break;
        case VALUE: w = this.value(x); break;
        case EVENT: w = this.pastQueue(v, s) ? -1 : this.event(x); break;
        default: w = x === 0 ? 0 : Math.imul(this.value(entryValue(this.cells, x)), 31) ^ (entryCell(this.cells, x) << 1) ^ (entryRelease(x) ? 1 : 0);
      }
      h = Math.imul(h ^ w, 0x01000193) + s;
    }
    return mix(h);
  }

  /** Adds to `dict` what the ids in `v` stand for that receiver `to` has not been told yet. */
  describe(v: Int32Array, to: number, dict: Dictionary): void {
    const { kinds, sys } = this;
    for (let s = 0; s < this.width; s++) {
      const x = v[s];
      switch (kinds[s]) {
        case LOCAL: {
          if (x < 0) break;
          const sent = this.sentLocal[to];
          if (x < sent[s].length && sent[s][x]) break;
          sent[s] = mark(sent[s], x);
          const states = sys.actors[s].states;
          dict.locals.push([s, x, sys.actors[s].machine.getPersistedSnapshot(states.snapshot(x)), states.keys[x]]);
          break;
        }
        case VALUE: this.describeValue(x, to, dict); break;
        case EVENT: {
          if (this.pastQueue(v, s)) break;
          const sent = this.sentEvent[to];
          if (x < sent.length && sent[x]) break;
          this.sentEvent[to] = mark(sent, x);
          dict.events.push([x, sys.ns.events.values[x]]);
          break;
        }
        case ENTRY: if (x !== 0) this.describeValue(entryValue(this.cells, x), to, dict); break;
      }
    }
  }

  private describeValue(x: number, to: number, dict: Dictionary): void {
    const sent = this.sentValue[to];
    if (x < sent.length && sent[x]) return;
    this.sentValue[to] = mark(sent, x);
    dict.values.push([x, this.sys.ns.values.values[x]]);
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

/** `bits` with index `i` set, grown when needed. */
function mark(bits: Uint8Array, i: number): Uint8Array {
  if (i >= bits.length) {
    const grown = new Uint8Array(Math.max(64, 2 * i + 2));
    grown.set(bits);
    bits = grown;
  }
  bits[i] = 1;
  return bits;
}
