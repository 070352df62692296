// What a store that keeps no packed copy of a state expanded (checker/frontierStore.ts) remembers of it:
// a 64-bit fingerprint of its packing (hash compaction, as SPIN's -DHC and TLC's fingerprints) or k bits
// in a bit array (bitstate hashing, as SPIN's -DBITSTATE). Either may take a new state for one already
// seen when fingerprints collide, so each estimates the probability that this happened in a run.

/** A state seen before whose index the set does not keep (bitstate, or fingerprints kept without indices). */
export const UNKNOWN_INDEX = -2;

export interface SeenSet {
  /**
   * The index of the state whose fingerprint is (lo, hi) when it was seen (UNKNOWN_INDEX when the set
   * keeps no indices); -1 when it was not, and then `insertLast` may record it.
   */
  find(lo: number, hi: number): number;
  /** Records the state last looked up with `find` (and not seen) as state `idx`. */
  insertLast(idx: number): void;
  /** Estimated number of new states taken for one seen before while `states` states were stored. */
  expectedOmissions(states: number): number;
  /** Bytes allocated. */
  readonly bytes: number;
}

const MAX_LOAD = 0.75;

/**
 * 64-bit fingerprints in an open-addressing table of [low, high] word pairs ((0, 0) marks an empty slot,
 * so a fingerprint of 0 is stored as 1), with each state's index beside it when `indexed` (the liveness
 * search needs the successor's index of every edge; a safety-only run needs none).
 */
export class FingerprintSet implements SeenSet {
  private table: Int32Array;
  private indices: Int32Array | null;
  private mask: number;
  private count = 0;
  private lastSlot = 0;
  private lastLo = 0;
  private lastHi = 0;

  constructor(indexed: boolean, initialBits = 16) {
    this.table = new Int32Array(2 << initialBits);
    this.indices = indexed ? new Int32Array(1 << initialBits) : null;
    this.mask = (1 << initialBits) - 1;
  }

  find(lo: number, hi: number): number {
    if (lo === 0 && hi === 0) lo = 1;
    const table = this.table;
    const mask = this.mask;
    let slot = lo & mask;
    for (;;) {
      const a = table[2 * slot];
      const b = table[2 * slot + 1];
      if (a === lo && b === hi) return this.indices ? this.indices[slot] : UNKNOWN_INDEX;
      if (a === 0 && b === 0) break;
      slot = (slot + 1) & mask;
    }
    this.lastSlot = slot;
    this.lastLo = lo;
    this.lastHi = hi;
    return -1;
  }

  insertLast(idx: number): void {
    const slot = this.lastSlot;
    this.table[2 * slot] = this.lastLo;
    this.table[2 * slot + 1] = this.lastHi;
    if (this.indices) this.indices[slot] = idx;
    if (++this.count > (this.mask + 1) * MAX_LOAD) this.grow();
  }

  /**
   * The i-th new state collides with one of the i fingerprints before it with probability i / 2^64, so
   * the expected number of collisions is n(n-1)/2 / 2^64 (about n^2 / 2^65).
   */
  expectedOmissions(states: number): number {
    return ((states * (states - 1)) / 2) / 2 ** 64;
  }

  get bytes(): number {
    return this.table.byteLength + (this.indices?.byteLength ?? 0);
  }

  private grow(): void {
    const old = this.table;
    const oldIndices = this.indices;
    const size = old.length; // twice the old slot count: the new one
    const table = new Int32Array(2 * size);
    const indices = oldIndices ? new Int32Array(size) : null;
    const mask = size - 1;
    for (let s = 0; s < old.length; s += 2) {
      const lo = old[s];
      const hi = old[s + 1];
      if (lo === 0 && hi === 0) continue;
      let slot = lo & mask;
      while (table[2 * slot] !== 0 || table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = lo;
      table[2 * slot + 1] = hi;
      if (indices) indices[slot] = oldIndices![s >>> 1];
    }
    this.table = table;
    this.indices = indices;
    this.mask = mask;
  }
}

/**
 * A bit array of 2^log2Bits bits; a state sets `hashes` bits, at positions taken from its fingerprint by
 * double hashing (lo + i * hi, the top bits), and counts as seen when all of them are set. It keeps no
 * indices.
 */
export class BitstateSet implements SeenSet {
  private readonly words: Int32Array;
  private readonly shift: number;
  private lastLo = 0;
  private lastStep = 0;

  constructor(readonly log2Bits: number, readonly hashes: number) {
    if (!Number.isInteger(log2Bits) || log2Bits < 3 || log2Bits > 32) throw new RangeError(`bitstateBits must be a whole number from 3 to 32 (not ${log2Bits})`);
    if (!Number.isInteger(hashes) || hashes < 1 || hashes > 16) throw new RangeError(`bitstateHashes must be a whole number from 1 to 16 (not ${hashes})`);
    this.words = new Int32Array(Math.max(1, 2 ** (log2Bits - 5)));
    this.shift = 32 - log2Bits;
  }

  get bits(): number {
    return 2 ** this.log2Bits;
  }

  find(lo: number, hi: number): number {
    const step = hi | 1;
    const words = this.words;
    const shift = this.shift;
    let x = lo;
    for (let i = 0; i < this.hashes; i++) {
      // `>>> 0` when shift is 0 (2^32 bits): JavaScript shifts by the count mod 32.
      const p = x >>> shift;
      if ((words[p >>> 5] & (1 << (p & 31))) === 0) {
        this.lastLo = lo;
        this.lastStep = step;
        return -1;
      }
      x = (x + step) | 0;
    }
    return UNKNOWN_INDEX;
  }

  insertLast(): void {
    const words = this.words;
    const shift = this.shift;
    let x = this.lastLo;
    for (let i = 0; i < this.hashes; i++) {
      const p = x >>> shift;
      words[p >>> 5] |= 1 << (p & 31);
      x = (x + this.lastStep) | 0;
    }
  }

  /**
   * Holzmann's estimate: with i states stored, a fraction 1 - e^(-k i / m) of the m bits is set, so a new
   * state finds all k of its bits set with probability (1 - e^(-k i / m))^k. Summed over the n states
   * stored (Simpson's rule over i, the term being smooth), that is the expected number of states missed.
   */
  expectedOmissions(states: number): number {
    if (states < 2) return 0;
    const m = this.bits;
    const k = this.hashes;
    const f = (i: number) => (-Math.expm1((-k * i) / m)) ** k;
    const intervals = 256;
    const h = states / intervals;
    let sum = f(0) + f(states);
    for (let j = 1; j < intervals; j++) sum += (j % 2 === 1 ? 4 : 2) * f(j * h);
    return (sum * h) / 3;
  }

  get bytes(): number {
    return this.words.byteLength;
  }
}
