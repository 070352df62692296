// The visited-state store. Global states are packed as LEB128 varints (most ids are < 128, so one byte
// a field), zero-padded to whole 32-bit words, appended word-aligned to a chunked arena in discovery
// order after their index, and found again through an open-addressing hash table whose slots hold a
// state's arena offset and its hash side by side, so a probe that misses never leaves the table and one
// that matches reads one place in the arena. Most successors are states already
// seen, so the reject path is the hot one: the vector is encoded once into a scratch buffer, hashed a
// word at a time and compared with the stored state a word at a time (a quarter of the fields'
// count at one byte a field); only a new state is copied into the arena.
// Per-state columns (arena offset, BFS parent, the step that reached it) live in fixed-size chunks, so
// growth never copies them and slack stays small. Only the first chunk of each starts small and doubles
// up to full size, as does the table: most checks and most tests' systems reach a few hundred states,
// and allocating megabytes for each cost more than their search. Discovery order doubles as the BFS
// queue. Capacity: 2^31 states and 16 GB of packed states (offsets are 32-bit word indices); at ~40
// bytes a state, 50 million states need about 2 GB.

import { bytesOf, grown } from './chunkArrays.ts';

export const ARENA_CHUNK = 1 << 22; // bytes
export const ARENA_WORDS = ARENA_CHUNK / 4;
/** log2(ARENA_WORDS): a word offset's chunk is `offset >>> ARENA_SHIFT` (offsets are below 2^32). */
export const ARENA_SHIFT = Math.log2(ARENA_WORDS);
const ARENA_WORD_MASK = ARENA_WORDS - 1;
export const COLUMN_BITS = 16;
export const COLUMN_CHUNK = 1 << COLUMN_BITS;
export const COLUMN_MASK = COLUMN_CHUNK - 1;
const MAX_LOAD = 0.75;
/** The first arena chunk's and column chunk's starting sizes (words, entries), doubled as they fill. */
const FIRST_ARENA_WORDS = 1 << 10;
const FIRST_COLUMN = 1 << 8;

export interface VectorShape {
  /** Fields always encoded: [0, fixedWidth). */
  fixedWidth: number;
  /** Queue regions after the fixed fields: a length slot, then that many items are encoded. */
  queueBase: Int32Array;
  width: number;
}

export class StateStore {
  /** Chunks of 32-bit words; a state's packed bytes are read and written through shifts (byte k is bits 8(k & 3) of word k >> 2), never through a byte view, so the layout is the same on any host. */
  protected arena: Int32Array[] = [];
  protected arenaChunk = -1;
  /** Words used in the current chunk, and its size. */
  private arenaUsed = 0;
  private arenaLimit = 0;
  /** Where each state's packed words start: a word index into the arena (chunk * ARENA_WORDS + word). */
  protected offsets: Uint32Array[] = [];
  protected parents: Int32Array[] = [];
  protected steps: Int32Array[] = [];
  /**
   * Pairs [arena word offset of the state's record + 1 (0: empty), hash]. A record is the state's index,
   * then its packed words: a probe that matches reads one place in the arena, not a column as well.
   */
  private table: Int32Array;
  private mask: number;
  /** The state being looked up, packed and zero-padded to whole words. */
  protected readonly scratch: Int32Array;
  /** The packed words of the state last read with `readForSuccessors`, and their count. */
  private readonly parent: Int32Array;
  private parentWords = 0;
  /** Whether that state's fixed fields took one byte each, so that byte f of its packing is field f. */
  private parentBytePerField = false;
  /** Its leading words that each hold four fixed fields of one byte. */
  private parentPrefix = 0;
  /** Entry i: the sum of its first i words' shares of the hash (`wordMix`), so that a patched copy's hash is updated, not recomputed. */
  private readonly parentSums: Int32Array;
  /** The hash of the packing `pack` or `packChanged` left in `scratch`. */
  packedHash = 0;
  count = 0;
  /** Why a new state could not be added, once the store's capacity is reached (else null). */
  full: string | null = null;

  constructor(private readonly shape: VectorShape, initialTableBits = 10) {
    this.table = new Int32Array(2 << initialTableBits);
    this.mask = (1 << initialTableBits) - 1;
    this.scratch = new Int32Array(Math.ceil((shape.width * 5) / 4));
    this.parent = new Int32Array(this.scratch.length);
    this.parentSums = new Int32Array(this.scratch.length + 1);
  }

  /**
   * Adds vector `v` unless already present. Returns its index; `wasNew` tells whether it was added.
   * `parent` and `step` record how BFS first reached it. With `mayAdd` false a new vector is not added
   * and the result is -1 (the store is at its state limit).
   */
  wasNew = false;
  add(v: Int32Array, parent: number, step: number, mayAdd = true): number {
    const n = this.encode(v, 0, 0);
    return this.insert(n, this.hash(this.scratch, n), parent, step, mayAdd);
  }

  /**
   * As `add`, for a vector `v` that differs from the one last read with `readForSuccessors` only in the
   * fields listed at the even positions of `changed[0, n)`: the old state's packing is reused as far as
   * it can be. When those are fixed fields holding values below 128 and the old state's fixed fields
   * took one byte each, it is patched in place; otherwise its leading words that hold only one-byte
   * fixed fields, and no field changed to a larger value, are copied and patched, and the rest of `v`
   * is packed after them. The hash is updated word by word as the packing is (see `wordMix`).
   */
  addChanged(v: Int32Array, changed: Int32Array, n: number, parent: number, step: number, mayAdd = true): number {
    const words = this.packChanged(v, changed, n);
    return this.insert(words, this.packedHash, parent, step, mayAdd);
  }

  /**
   * Packs `v` into `packed`, with its hash in `packedHash`; returns the number of words. With
   * `addPacked`, a state is looked up in two steps: a parallel search packs it in the thread that
   * reached it and looks it up in the thread that owns it (picked from the hash).
   */
  pack(v: Int32Array): number {
    const n = this.encode(v, 0, 0);
    this.packedHash = this.hash(this.scratch, n);
    return n;
  }

  /** The packing `pack` or `packChanged` left, or one `addPacked` is to look up. */
  get packed(): Int32Array {
    return this.scratch;
  }

  /** Looks up the packing in `packed` (`n` words, of hash `h`), adding it if new, as `add` does. */
  addPacked(n: number, h: number, parent: number, step: number, mayAdd = true): number {
    return this.insert(n, h, parent, step, mayAdd);
  }

  /** Packs `v` into `scratch` as `addChanged` says, with its hash in `packedHash`; returns the number of words. */
  packChanged(v: Int32Array, changed: Int32Array, n: number): number {
    const fixedWidth = this.shape.fixedWidth;
    const scratch = this.scratch;
    const from = this.parent;
    let whole = this.parentBytePerField;
    let prefix = this.parentPrefix;
    for (let k = 0; k < n; k += 2) {
      const f = changed[k];
      if (f >= fixedWidth) whole = false;
      else if ((v[f] & ~0x7f) !== 0) {
        whole = false;
        if (f >>> 2 < prefix) prefix = f >>> 2;
      }
    }
    const words = whole ? this.parentWords : prefix;
    for (let i = 0; i < words; i++) scratch[i] = from[i];
    let sum = this.parentSums[words];
    const limit = words << 2;
    for (let k = 0; k < n; k += 2) {
      const f = changed[k];
      if (f >= limit) continue;
      const w = f >>> 2;
      const shift = (f & 3) << 3;
      const old = scratch[w];
      const patched = (old & ~(0xff << shift)) | (v[f] << shift);
      if (patched === old) continue;
      sum = (sum + wordMix(patched, w) - wordMix(old, w)) | 0;
      scratch[w] = patched;
    }
    if (whole) {
      this.packedHash = this.finish(sum);
      return words;
    }
    const total = this.encode(v, limit, words);
    for (let i = words; i < total; i++) sum = (sum + wordMix(scratch[i], i)) | 0;
    this.packedHash = this.finish(sum);
    return total;
  }

  /** Looks up the packed state in `scratch` (`n` words, hash `h`), adding it if new and allowed. */
  protected insert(n: number, h: number, parent: number, step: number, mayAdd: boolean): number {
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const entry = table[2 * slot];
      if (entry === 0) break;
      if (table[2 * slot + 1] === h) {
        const idx = this.match((entry - 1) | 0, n);
        if (idx >= 0) {
          this.wasNew = false;
          return idx;
        }
      }
      slot = (slot + 1) & mask;
    }
    this.wasNew = false;
    if (!mayAdd) return -1;
    const idx = this.append(n, parent, step);
    if (idx < 0) return -1;
    table[2 * slot] = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK]; // the record's offset + 1
    table[2 * slot + 1] = h;
    if (this.count > (mask + 1) * MAX_LOAD) this.grow();
    this.wasNew = true;
    return idx;
  }

  /** Decodes state `idx` into `out` (zeroing unused queue slots). */
  read(idx: number, out: Int32Array): void {
    this.decode(idx, out, false);
  }

  /** As `read`, and keeps the state's packing for `addChanged`: for the state whose successors come next. */
  readForSuccessors(idx: number, out: Int32Array): void {
    this.decode(idx, out, true);
  }

  protected decode(idx: number, out: Int32Array, keep: boolean): void {
    const off = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK];
    const chunk = this.arena[off >>> ARENA_SHIFT];
    const at = off & ARENA_WORD_MASK;
    const { fixedWidth, queueBase, width } = this.shape;
    // Fields are decoded inline: a closure here costs more than the decoding itself. First, four fixed
    // fields a word while each took one byte.
    let p = 0;
    let field = 0;
    for (let w = chunk[at]; field + 4 <= fixedWidth && (w & 0x80808080) === 0; w = chunk[at + (p >>> 2)]) {
      out[field] = w & 0xff;
      out[field + 1] = (w >>> 8) & 0xff;
      out[field + 2] = (w >>> 16) & 0xff;
      out[field + 3] = w >>> 24;
      field += 4;
      p += 4;
    }
    const prefix = p >>> 2;
    let q = -1;
    let end = fixedWidth;
    for (;;) {
      while (field < end) {
        let b = (chunk[at + (p >>> 2)] >>> ((p & 3) << 3)) & 0xff; p++;
        let x = b & 0x7f;
        let shift = 7;
        while (b & 0x80) { b = (chunk[at + (p >>> 2)] >>> ((p & 3) << 3)) & 0xff; p++; x |= (b & 0x7f) << shift; shift += 7; }
        out[field++] = x;
      }
      if (q < 0 && keep) this.parentBytePerField = p === fixedWidth;
      if (q >= 0) {
        const regionEnd = q + 1 < queueBase.length ? queueBase[q + 1] : width;
        while (field < regionEnd) out[field++] = 0;
      }
      if (++q === queueBase.length) break;
      // Queue region: its length, then that many items.
      let b = (chunk[at + (p >>> 2)] >>> ((p & 3) << 3)) & 0xff; p++;
      let len = b & 0x7f;
      let shift = 7;
      while (b & 0x80) { b = (chunk[at + (p >>> 2)] >>> ((p & 3) << 3)) & 0xff; p++; len |= (b & 0x7f) << shift; shift += 7; }
      field = queueBase[q];
      out[field++] = len;
      end = field + len;
    }
    if (!keep) return;
    const words = (p + 3) >>> 2;
    const parent = this.parent;
    const sums = this.parentSums;
    let sum = 0;
    for (let i = 0; i < words; i++) {
      const w = chunk[at + i];
      parent[i] = w;
      sums[i] = sum;
      sum = (sum + wordMix(w, i)) | 0;
    }
    sums[words] = sum;
    this.parentWords = words;
    this.parentPrefix = prefix;
  }

  parentOf(idx: number): number { return this.parents[idx >>> COLUMN_BITS][idx & COLUMN_MASK]; }
  stepOf(idx: number): number { return this.steps[idx >>> COLUMN_BITS][idx & COLUMN_MASK]; }

  /** Bytes allocated for the store (arena, columns, table), slack included. */
  get bytes(): number {
    return bytesOf(this.arena) + bytesOf(this.offsets) + bytesOf(this.parents) + bytesOf(this.steps) + this.table.byteLength;
  }

  /**
   * Packs the fields the store keeps (fixed fields, each queue's length and live items) into `scratch`
   * as varints, zero-padded to a whole word; returns the number of words. From fixed field `from` (a
   * multiple of 4) at word `at`: the words before hold fields [0, from) at one byte each.
   */
  private encode(v: Int32Array, from: number, at: number): number {
    const dst = this.scratch;
    const { fixedWidth, queueBase } = this.shape;
    let n = at;
    let i = from;
    // Four fixed fields a word while each fits in one byte.
    while (i + 4 <= fixedWidth) {
      const a = v[i];
      const b = v[i + 1];
      const c = v[i + 2];
      const d = v[i + 3];
      if (((a | b | c | d) & ~0x7f) !== 0) break;
      dst[n++] = a | (b << 8) | (c << 16) | (d << 24);
      i += 4;
    }
    let word = 0;
    let shift = 0;
    let q = -1;
    let end = fixedWidth;
    for (;;) {
      while (i < end) {
        let x = v[i++];
        while (x > 0x7f) {
          word |= ((x & 0x7f) | 0x80) << shift;
          x >>>= 7;
          shift += 8;
          if (shift === 32) { dst[n++] = word; word = 0; shift = 0; }
        }
        word |= (x & 0xff) << shift;
        shift += 8;
        if (shift === 32) { dst[n++] = word; word = 0; shift = 0; }
      }
      if (++q === queueBase.length) break;
      i = queueBase[q];
      end = i + 1 + v[i];
    }
    if (shift !== 0) dst[n++] = word;
    return n;
  }

  /** Hash of the first `n` words of a packed state: the sum of each word's `wordMix`, avalanched. */
  protected hash(words: Int32Array, n: number): number {
    let sum = 0;
    for (let i = 0; i < n; i++) sum = (sum + wordMix(words[i], i)) | 0;
    return this.finish(sum);
  }

  /** murmur3's finaliser, over the sum of a packing's word shares. Protected so that a test can force collisions. */
  protected finish(sum: number): number {
    let h = sum;
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return h;
  }

  /**
   * The index of the state whose record is at word offset `record` (its 32 bits, as an Int32: integer
   * arithmetic throughout), if it is the packed state in `scratch` (`n` words), else -1. Packings are
   * self-delimiting, so neither of two different states' packings is a prefix of the other's: equal
   * first `n` words mean equal states, whatever the stored one's length.
   */
  private match(record: number, n: number): number {
    const chunk = this.arena[record >>> ARENA_SHIFT];
    const at = (record & ARENA_WORD_MASK) + 1;
    const words = this.scratch;
    for (let i = 0; i < n; i++) if (chunk[at + i] !== words[i]) return -1;
    return chunk[at - 1];
  }

  /** Marks the store full: nothing more is added, and the caller ends the search bounded. */
  protected fill(capacity: string): number {
    this.full = `state store full (${capacity})`;
    return -1;
  }

  protected append(n: number, parent: number, step: number): number {
    const idx = this.count;
    if (idx >= 0x7fffffff) return this.fill('2^31 states');
    // Room for the longest record, so a state never straddles two chunks.
    // The first chunk, not yet full size, is doubled instead, so its states keep their offsets.
    while (this.arenaUsed + 1 + this.scratch.length > this.arenaLimit && this.arenaChunk === 0 && this.arenaLimit < ARENA_WORDS) {
      this.arenaLimit = Math.min(2 * this.arenaLimit, ARENA_WORDS);
      this.arena[0] = grown(this.arena[0], this.arenaLimit);
    }
    if (this.arenaUsed + 1 + this.scratch.length > this.arenaLimit) {
      if ((this.arenaChunk + 2) * ARENA_WORDS > 2 ** 32) return this.fill('16 GB of packed states');
      this.arenaLimit = this.arenaChunk < 0 ? Math.min(ARENA_WORDS, Math.max(FIRST_ARENA_WORDS, 4 * (1 + this.scratch.length))) : ARENA_WORDS;
      this.arena.push(new Int32Array(this.arenaLimit));
      this.arenaChunk++;
      this.arenaUsed = 0;
    }
    const dst = this.arena[this.arenaChunk];
    const at = this.arenaUsed;
    const words = this.scratch;
    dst[at] = idx;
    for (let i = 0; i < n; i++) dst[at + 1 + i] = words[i];
    const c = idx >>> COLUMN_BITS;
    const j = idx & COLUMN_MASK;
    if (c === this.offsets.length) {
      const size = c === 0 ? FIRST_COLUMN : COLUMN_CHUNK;
      this.offsets.push(new Uint32Array(size));
      this.parents.push(new Int32Array(size));
      this.steps.push(new Int32Array(size));
    } else if (j === this.offsets[c].length) {
      // Only the first column chunk starts short of full size.
      const size = 2 * j;
      this.offsets[c] = grown(this.offsets[c], size);
      this.parents[c] = grown(this.parents[c], size);
      this.steps[c] = grown(this.steps[c], size);
    }
    this.offsets[c][j] = this.arenaChunk * ARENA_WORDS + at + 1;
    this.parents[c][j] = parent;
    this.steps[c][j] = step;
    this.arenaUsed = at + 1 + n;
    this.count = idx + 1;
    return idx;
  }

  private grow(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = (table.length >>> 1) - 1;
    for (let s = 0; s < old.length; s += 2) {
      const entry = old[s];
      if (entry === 0) continue;
      const h = old[s + 1];
      let slot = h & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = entry;
      table[2 * slot + 1] = h;
    }
    this.table = table;
    this.mask = mask;
  }
}

/**
 * Word `i`'s share of a packing's hash (the shares are summed, then avalanched by `finish`), so that a
 * patched word changes the sum by its new share less its old. Word and position go through murmur3's
 * multiply-xorshift-multiply, a bijection of the word for each position.
 */
export function wordMix(w: number, i: number): number {
  let k = Math.imul(w ^ Math.imul(i + 1, 0x9e3779b9), 0xcc9e2d51);
  k ^= k >>> 15;
  return Math.imul(k, 0x1b873593);
}

