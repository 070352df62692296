// The state store of `store: 'compact'` and `store: 'bitstate'`: a state is packed as in the full store
// (checker/stateStore.ts) and kept, packed, only until BFS expands it; what stays of it afterwards is its
// BFS parent and step (so counterexamples still come from parent pointers, shortest and replayable) and
// its trace in a SeenSet: a 64-bit fingerprint, or k bits of a bit array (checker/seenSet.ts). Discovery
// order is still the queue: the arena's chunks are freed once every state in them has been expanded,
// so memory holds the seen set, 8 bytes a state of parent and step, and the frontier (the states
// discovered and not yet expanded). A state can then be read only while it is queued.
import type { StoreApproximation } from './result.ts';
import { bytesOf } from './chunkArrays.ts';
import { BitstateSet, FingerprintSet } from './seenSet.ts';
import type { SeenSet } from './seenSet.ts';
import { ARENA_CHUNK, ARENA_SHIFT, COLUMN_BITS, COLUMN_CHUNK, COLUMN_MASK, StateStore } from './stateStore.ts';
import type { VectorShape } from './stateStore.ts';

export const STORE_KINDS = ['full', 'compact', 'bitstate'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The bit array's default size: 2^30 bits (128 MiB), or less under a small memory limit. */
export const DEFAULT_BITSTATE_BITS = 30;
/** SPIN's default number of bits a state sets (pan -k). */
export const DEFAULT_BITSTATE_HASHES = 3;

export interface StoreOptions {
  store?: StoreKind;
  bitstateBits?: number;
  bitstateHashes?: number;
  maxMemoryBytes?: number;
}

/**
 * The store `options` ask for. `indexed`: the run records the graph's edges (liveness), so a state seen
 * again must give its index (compact keeps it beside the fingerprint; bitstate cannot).
 */
export function stateStoreFor(shape: VectorShape, options: StoreOptions, indexed: boolean): StateStore {
  switch (options.store ?? 'full') {
    case 'full': return new StateStore(shape);
    case 'compact': return new FrontierStore(shape, new FingerprintSet(indexed));
    case 'bitstate': return new FrontierStore(shape, new BitstateSet(options.bitstateBits ?? defaultBitstateBits(options.maxMemoryBytes), options.bitstateHashes ?? DEFAULT_BITSTATE_HASHES));
    default: throw new RangeError(`store must be one of ${STORE_KINDS.join(', ')} (not ${JSON.stringify(options.store)})`);
  }
}

/** 2^30 bits, or the largest power of two that takes at most a quarter of the memory limit. */
export function defaultBitstateBits(maxMemoryBytes: number | undefined): number {
  if (maxMemoryBytes === undefined) return DEFAULT_BITSTATE_BITS;
  const fits = Math.floor(Math.log2((maxMemoryBytes / 4) * 8));
  return Math.max(10, Math.min(DEFAULT_BITSTATE_BITS, fits));
}

const FREED = new Int32Array(0);
const FREED_COLUMN = new Uint32Array(0);

export class FrontierStore extends StateStore {
  /** Arena chunks, and chunks of the offset column, before these are freed (all their states expanded); peaks in bytes. */
  private liveArena = 0;
  private liveOffsets = 0;
  private peakArena = 0;
  private peakOffsets = 0;

  constructor(shape: VectorShape, readonly seen: SeenSet) {
    super(shape, 0);
  }

  protected override insert(n: number, h: number, parent: number, step: number, mayAdd: boolean): number {
    const words = this.scratch;
    const found = this.seen.find(h, secondHash(words, n));
    this.wasNew = false;
    if (found !== -1) return found;
    if (!mayAdd) return -1;
    const idx = this.append(n, parent, step);
    if (idx < 0) return -1; // full: `full` says why
    this.seen.insertLast(idx);
    // Only the first chunk of each may be short of full size, and it is freed only after it filled.
    const arena = this.arenaChunk === 0 ? this.arena[0].byteLength : (this.arenaChunk + 1 - this.liveArena) * ARENA_CHUNK;
    if (arena > this.peakArena) this.peakArena = arena;
    const offsets = this.offsets.length === 1 ? this.offsets[0].byteLength : (this.offsets.length - this.liveOffsets) * COLUMN_CHUNK * 4;
    if (offsets > this.peakOffsets) this.peakOffsets = offsets;
    this.wasNew = true;
    return idx;
  }

  /** States are expanded in discovery order: what lies before state `idx` is no longer needed. */
  override readForSuccessors(idx: number, out: Int32Array): void {
    const column = idx >>> COLUMN_BITS;
    const chunk = this.offsets[column][idx & COLUMN_MASK] >>> ARENA_SHIFT;
    while (this.liveArena < chunk) this.arena[this.liveArena++] = FREED;
    while (this.liveOffsets < column) this.offsets[this.liveOffsets++] = FREED_COLUMN;
    super.readForSuccessors(idx, out);
  }

  /** Whether state `idx` is still kept whole (queued, not yet expanded, or in a chunk not yet freed). */
  holds(idx: number): boolean {
    const column = idx >>> COLUMN_BITS;
    if (idx < 0 || idx >= this.count || column < this.liveOffsets) return false;
    return this.offsets[column][idx & COLUMN_MASK] >>> ARENA_SHIFT >= this.liveArena;
  }

  override read(idx: number, out: Int32Array): void {
    if (!this.holds(idx)) throw new Error(`internal error: state ${idx} was expanded and is no longer stored whole`);
    super.read(idx, out);
  }

  /** At their peak: the frontier's chunks, the parent and step columns, the seen set. */
  override get bytes(): number {
    return this.peakArena + this.peakOffsets + bytesOf(this.parents) + bytesOf(this.steps) + this.seen.bytes;
  }

  approximation(): StoreApproximation {
    const states = this.count;
    const expectedOmissions = this.seen.expectedOmissions(states);
    // Each collision a rare, independent event: the number missed is about Poisson, none with e^-expected.
    const estimate = { states, omissionProbability: -Math.expm1(-expectedOmissions), expectedOmissions };
    if (this.seen instanceof BitstateSet) return { store: 'bitstate', bits: this.seen.bits, hashes: this.seen.hashes, ...estimate };
    return { store: 'compact', fingerprintBits: 64, ...estimate };
  }
}

/**
 * A second 32-bit hash of the first `n` words of a packed state, of another construction than the
 * store's own (xxHash32's rounds and avalanche), so that the two make one 64-bit fingerprint.
 */
function secondHash(words: Int32Array, n: number): number {
  let h = (0x165667b1 + Math.imul(n, 0x27d4eb2f)) | 0;
  for (let i = 0; i < n; i++) {
    h = (h + Math.imul(words[i], 0xc2b2ae3d)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), 0x27d4eb2f);
  }
  h ^= h >>> 15; h = Math.imul(h, 0x85ebca77); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae3d); h ^= h >>> 16;
  return h;
}
