// One VMBus ring buffer (one direction of a channel) as shared memory cells: the control page fields
// of Linux `struct hv_ring_buffer` / OpenVMM `vmbus_ring` `Control` (write_index = inp, read_index =
// outp, interrupt_mask, pending_send_sz) and the data area (include/linux/hyperv.h struct hv_ring_buffer;
// vm/devices/vmbus/vmbus_ring/src/lib.rs).
//
// Simplified: a packet is one slot holding a string; the data area has capacity + 1 slots and indices
// count slots modulo capacity + 1, so a ring holds at most `capacity` packets (the reserved slot plays
// the part of Linux's "free space <= packet size -> full" rule, hv_ringbuffer_write). pending_send_sz
// counts slots. feature_bits is not a cell: both ends support pending_send_sz unless the reader is built with `pendingSendSizeFeature: false`.
import { leadsTo, stall } from '../checker/index.ts';
import type { CellValue, GlobalView, Property, PropertyReads } from '../checker/index.ts';

export type RingField = 'write_index' | 'read_index' | 'interrupt_mask' | 'pending_send_sz';

export interface RingSpec {
  /** Prefix of the ring's cells, e.g. 'h2g' gives 'h2g.write_index'. */
  name: string;
  /** Packets the ring can hold (>= 1). */
  capacity: number;
}

export const ringCell = (ring: string, field: RingField): string => `${ring}.${field}`;
export const ringDataCell = (ring: string, slot: number): string => `${ring}.data${slot}`;

/** The slots the indices run over. */
export const ringSlots = (capacity: number): number => capacity + 1;

/** Packets between read_index and write_index. */
export function ringUsed(write: number, read: number, capacity: number): number {
  const n = ringSlots(capacity);
  return (write - read + n) % n;
}

export function ringFree(write: number, read: number, capacity: number): number {
  return capacity - ringUsed(write, read, capacity);
}

export function nextIndex(index: number, capacity: number): number {
  return (index + 1) % ringSlots(capacity);
}

/** The cells of an empty ring, to spread into a system's `cells`. The reader's mask starts clear (Linux
 * zeroes the ring pages; OpenVMM's IncomingRing::new masks its own incoming ring until it first reads). */
export function ringCells(ring: RingSpec, initialMask = 0): Record<string, CellValue> {
  if (!Number.isInteger(ring.capacity) || ring.capacity < 1) throw new Error(`ring ${ring.name}: capacity must be a positive integer`);
  const cells: Record<string, CellValue> = {
    [ringCell(ring.name, 'write_index')]: 0,
    [ringCell(ring.name, 'read_index')]: 0,
    [ringCell(ring.name, 'interrupt_mask')]: initialMask,
    [ringCell(ring.name, 'pending_send_sz')]: 0,
  };
  for (let i = 0; i < ringSlots(ring.capacity); i++) cells[ringDataCell(ring.name, i)] = null;
  return cells;
}

/** Every cell name of the ring (what its writer and reader declare in `reads`). */
export function ringCellNames(ring: RingSpec): string[] {
  return Object.keys(ringCells(ring));
}

export interface RingView {
  write: number;
  read: number;
  mask: number;
  pendingSendSize: number;
  used: number;
  /** The packet at read_index, if any. */
  head: string | null;
}

/** Reads a ring's control fields from an actor's `event.cells` or from a GlobalView's cells. */
export function viewRing(cells: Readonly<Record<string, CellValue>>, ring: RingSpec): RingView {
  const num = (f: RingField) => {
    const v = cells[ringCell(ring.name, f)];
    if (typeof v !== 'number') throw new Error(`ring ${ring.name}: cell ${ringCell(ring.name, f)} is ${JSON.stringify(v)}, not a number (is the ring in the system's cells and the actor's reads?)`);
    return v;
  };
  const write = num('write_index');
  const read = num('read_index');
  const used = ringUsed(write, read, ring.capacity);
  return { write, read, mask: num('interrupt_mask'), pendingSendSize: num('pending_send_sz'), used, head: used > 0 ? (cells[ringDataCell(ring.name, read)] as string) : null };
}

/**
 * Built-in property `lostInterrupt`: the ring holds data, its reader is idle (a state tagged
 * `waitsForInterrupt`) with interrupt_mask clear, and nothing is in flight to it, at a state where only
 * timers can fire. The writer will not signal again (it signals only on the empty-to-non-empty edge,
 * drivers/hv/ring_buffer.c hv_signal_on_write), so the data is never read. The same condition as OpenVMM vmbus_ring's
 * `reader_needs_signal` (mask clear and inp != outp), which its "unstick" mitigations (#1829) test.
 */
export function lostInterrupt(ring: RingSpec, reader: string): Property;
/** Over several rings at once: the message names the ring that is stuck. */
export function lostInterrupt(rings: { ring: RingSpec; reader: string }[]): Property;
export function lostInterrupt(ringOrRings: RingSpec | { ring: RingSpec; reader: string }[], reader?: string): Property {
  const pairs = Array.isArray(ringOrRings) ? ringOrRings : [{ ring: ringOrRings, reader: reader! }];
  if (pairs.length === 0) throw new Error('lostInterrupt: name at least one ring and its reader');
  return stall((g: GlobalView) => {
    for (const p of pairs) {
      const stuck = stuckRing(g, p.ring, p.reader);
      if (stuck) return stuck;
    }
    return false;
  });
}

/**
 * The liveness twin of `lostInterrupt`: a ring holding data while its reader is idle with
 * interrupt_mask clear and nothing in flight to it leads to that ending (the reader wakes, or the ring
 * is drained), on every fair run. Unlike the stall form it needs no quiescent state, so a ring stuck
 * while other actors keep running is found, and needs no watchdog timer or `end` tags. Judged with
 * the system's fairness (weak by default: a writer about to signal does signal).
 */
export function lostInterruptLiveness(ring: RingSpec, reader: string): Property;
export function lostInterruptLiveness(rings: { ring: RingSpec; reader: string }[]): Property;
export function lostInterruptLiveness(ringOrRings: RingSpec | { ring: RingSpec; reader: string }[], reader?: string): Property {
  const pairs = Array.isArray(ringOrRings) ? ringOrRings : [{ ring: ringOrRings, reader: reader! }];
  if (pairs.length === 0) throw new Error('lostInterruptLiveness: name at least one ring and its reader');
  const stuck = (g: GlobalView) => {
    for (const p of pairs) {
      const why = stuckRing(g, p.ring, p.reader);
      if (why) return why;
    }
    return false;
  };
  return leadsTo(stuck, (g) => !stuck(g), ringReads(pairs.map((p) => ({ ring: p.ring, actor: p.reader }))));
}

/** What a liveness twin reads (declared for the partial-order reduction): the rings' cells, and the actor and its in-flight queue. */
function ringReads(pairs: { ring: RingSpec; actor: string }[]): PropertyReads {
  const actors = [...new Set(pairs.map((p) => p.actor))];
  return { cells: [...new Set(pairs.flatMap((p) => ringCellNames(p.ring)))], actors, inFlight: actors };
}

/**
 * The window `lostInterrupt` is about, as a predicate: the ring holds data and its reader is idle with
 * interrupt_mask clear and nothing in flight to it (the reader needs a signal). For `reachable` goals:
 * a fixed variant passes through this window and the signal then comes.
 */
export function ringAwaitsSignal(ring: RingSpec, reader: string): (g: GlobalView) => string | false {
  return (g) => stuckRing(g, ring, reader);
}

function stuckRing(g: GlobalView, ring: RingSpec, reader: string): string | false {
  const r = viewRing(g.cells, ring);
  if (r.used === 0 || r.mask !== 0) return false;
  const snapshot = g.actors[reader];
  if (snapshot === undefined) throw new Error(`lostInterrupt: no actor '${reader}'`);
  if (!snapshot.hasTag('waitsForInterrupt') || g.inFlight[reader].length > 0) return false;
  return `ring ${ring.name} holds ${r.used} packet(s) ('${r.head}' first) but its reader ${reader} is idle with interrupt_mask clear and no signal will come`;
}

/**
 * Built-in property `lostSpaceSignal`, the writer's side of `lostInterrupt`: a writer waits for space
 * (a state tagged `waitsForSpace`, pending_send_sz set) while the ring already has pending_send_sz free
 * slots and nothing is in flight to it, at a state where only timers can fire. The reader signals the
 * writer only on the edge where the free space crosses pending_send_sz (Linux drivers/hv/ring_buffer.c
 * hv_pkt_iter_close; OpenVMM vmbus_ring commit_read: old_free < pss && new_free >= pss), so once that
 * edge has passed unsignalled no later read signals it: the writer waits with room it cannot see.
 */
export function lostSpaceSignal(ring: RingSpec, writer: string): Property;
/** Over several rings at once: the message names the ring whose writer is stuck. */
export function lostSpaceSignal(rings: { ring: RingSpec; writer: string }[]): Property;
export function lostSpaceSignal(ringOrRings: RingSpec | { ring: RingSpec; writer: string }[], writer?: string): Property {
  const stuck = stuckWriters('lostSpaceSignal', ringOrRings, writer);
  return stall(stuck);
}

/**
 * The liveness twin of `lostSpaceSignal`: a writer waiting for space while the ring has room and nothing
 * is in flight to it leads to that ending (the signal arrives, or the writer re-checks), on every fair
 * run; found while other actors keep running, with no watchdog.
 */
export function lostSpaceSignalLiveness(ring: RingSpec, writer: string): Property;
export function lostSpaceSignalLiveness(rings: { ring: RingSpec; writer: string }[]): Property;
export function lostSpaceSignalLiveness(ringOrRings: RingSpec | { ring: RingSpec; writer: string }[], writer?: string): Property {
  const stuck = stuckWriters('lostSpaceSignalLiveness', ringOrRings, writer);
  return leadsTo(stuck, (g) => !stuck(g), ringReads(writerPairs('lostSpaceSignalLiveness', ringOrRings, writer).map((p) => ({ ring: p.ring, actor: p.writer }))));
}

/**
 * The window `lostSpaceSignal` is about, as a predicate for `reachable` goals: the writer waits for
 * space, the ring has room, no signal is in flight yet. A fixed variant passes through it and the
 * reader's signal then comes.
 */
export function writerAwaitsSpaceSignal(ring: RingSpec, writer: string): (g: GlobalView) => string | false {
  return (g) => stuckWriter(g, ring, writer);
}

function writerPairs(name: string, ringOrRings: RingSpec | { ring: RingSpec; writer: string }[], writer?: string): { ring: RingSpec; writer: string }[] {
  const pairs = Array.isArray(ringOrRings) ? ringOrRings : [{ ring: ringOrRings, writer: writer! }];
  if (pairs.length === 0) throw new Error(`${name}: name at least one ring and its writer`);
  for (const p of pairs) if (typeof p.writer !== 'string' || p.writer === '') throw new Error(`${name}: ring ${p.ring.name} needs the name of its writer`);
  return pairs;
}

function stuckWriters(name: string, ringOrRings: RingSpec | { ring: RingSpec; writer: string }[], writer?: string): (g: GlobalView) => string | false {
  const pairs = writerPairs(name, ringOrRings, writer);
  return (g) => {
    for (const p of pairs) {
      const why = stuckWriter(g, p.ring, p.writer);
      if (why) return why;
    }
    return false;
  };
}

function stuckWriter(g: GlobalView, ring: RingSpec, writer: string): string | false {
  const snapshot = g.actors[writer];
  if (snapshot === undefined) throw new Error(`lostSpaceSignal: no actor '${writer}'`);
  if (!snapshot.hasTag('waitsForSpace') || g.inFlight[writer].length > 0) return false;
  const r = viewRing(g.cells, ring);
  if (r.pendingSendSize === 0) return false;
  const free = ringFree(r.write, r.read, ring.capacity);
  if (free < r.pendingSendSize) return false;
  return `ring ${ring.name} has ${free} free slot(s) and its writer ${writer} waits for pending_send_sz = ${r.pendingSendSize} with no signal coming`;
}
