// The visited-state store. Global states are packed as LEB128 varints (most ids are < 128, so one byte
// a field), zero-padded to whole 32-bit words, appended word-aligned to a chunked arena in discovery
// order, and found again through an open-addressing hash table whose slots hold a state's index and its
// hash side by side, so a probe that misses never leaves the table. Most successors are states already
// seen, so the reject path is the hot one: the vector is encoded once into a scratch buffer, hashed a
// word at a time and compared with the stored state a word at a time (a quarter of the fields'
// count at one byte a field); only a new state is copied into the arena.
// Per-state columns (arena offset, BFS parent, the step that reached it) live in fixed-size chunks, so
// growth never copies them and slack stays small. Discovery order doubles as the BFS queue. Capacity:
// 2^31 states and 16 GB of packed states (offsets are 32-bit word indices); at ~40 bytes a state, 50
// million states need about 2 GB.

const ARENA_CHUNK = 1 << 22; // bytes
const ARENA_WORDS = ARENA_CHUNK / 4;
const COLUMN_BITS = 16;
const COLUMN_CHUNK = 1 << COLUMN_BITS;
const COLUMN_MASK = COLUMN_CHUNK - 1;
const MAX_LOAD = 0.5;

export interface VectorShape {
  /** Fields always encoded: [0, fixedWidth). */
  fixedWidth: number;
  /** Queue regions after the fixed fields: a length slot, then that many items are encoded. */
  queueBase: Int32Array;
  width: number;
}

export class StateStore {
  private arena: Uint8Array[] = [];
  /** The same chunks as 32-bit words: states start word-aligned, so they compare a word at a time. */
  private arenaWords: Int32Array[] = [];
  private arenaChunk = -1;
  private arenaUsed = ARENA_CHUNK;
  /** Where each state starts: a word index into the arena (chunk * ARENA_WORDS + word). */
  private offsets: Uint32Array[] = [];
  private parents: Int32Array[] = [];
  private steps: Int32Array[] = [];
  /** Pairs [state index + 1 (0: empty), hash]. */
  private table: Int32Array;
  private mask: number;
  /** The vector being added, encoded (zero-padded to whole words); `scratchWords` views the same bytes. */
  private readonly scratch: Uint8Array;
  private readonly scratchWords: Int32Array;
  count = 0;

  constructor(private readonly shape: VectorShape, initialTableBits = 16) {
    this.table = new Int32Array(2 << initialTableBits);
    this.mask = (1 << initialTableBits) - 1;
    const maxWords = Math.ceil((shape.width * 5) / 4);
    this.scratchWords = new Int32Array(maxWords);
    this.scratch = new Uint8Array(this.scratchWords.buffer);
  }

  /**
   * Adds vector `v` unless already present. Returns its index; `wasNew` tells whether it was added.
   * `parent` and `step` record how BFS first reached it. With `mayAdd` false a new vector is not added
   * and the result is -1 (the store is at its state limit).
   */
  wasNew = false;
  add(v: Int32Array, parent: number, step: number, mayAdd = true): number {
    const words = this.encode(v);
    const h = this.hash(this.scratchWords, words);
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const entry = table[2 * slot];
      if (entry === 0) break;
      if (table[2 * slot + 1] === h && this.equals(entry - 1, words)) {
        this.wasNew = false;
        return entry - 1;
      }
      slot = (slot + 1) & mask;
    }
    this.wasNew = false;
    if (!mayAdd) return -1;
    const idx = this.append(words, parent, step);
    table[2 * slot] = idx + 1;
    table[2 * slot + 1] = h;
    if (this.count > (mask + 1) * MAX_LOAD) this.grow();
    this.wasNew = true;
    return idx;
  }

  /** Decodes state `idx` into `out` (zeroing unused queue slots). */
  read(idx: number, out: Int32Array): void {
    const off = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK];
    const chunk = this.arena[Math.floor(off / ARENA_WORDS)];
    let p = (off % ARENA_WORDS) * 4;
    const { fixedWidth, queueBase, width } = this.shape;
    // Fields are decoded inline: a closure here costs more than the decoding itself.
    let field = 0;
    let q = -1;
    let end = fixedWidth;
    for (;;) {
      while (field < end) {
        let b = chunk[p++];
        let x = b & 0x7f;
        let shift = 7;
        while (b & 0x80) { b = chunk[p++]; x |= (b & 0x7f) << shift; shift += 7; }
        out[field++] = x;
      }
      if (q >= 0) {
        const regionEnd = q + 1 < queueBase.length ? queueBase[q + 1] : width;
        while (field < regionEnd) out[field++] = 0;
      }
      if (++q === queueBase.length) return;
      // Queue region: its length, then that many items.
      let b = chunk[p++];
      let len = b & 0x7f;
      let shift = 7;
      while (b & 0x80) { b = chunk[p++]; len |= (b & 0x7f) << shift; shift += 7; }
      field = queueBase[q];
      out[field++] = len;
      end = field + len;
    }
  }

  parentOf(idx: number): number { return this.parents[idx >>> COLUMN_BITS][idx & COLUMN_MASK]; }
  stepOf(idx: number): number { return this.steps[idx >>> COLUMN_BITS][idx & COLUMN_MASK]; }

  /** Bytes allocated for the store (arena, columns, table), slack included. */
  get bytes(): number {
    return this.arena.length * ARENA_CHUNK + this.offsets.length * COLUMN_CHUNK * (4 + 4 + 4) + this.table.byteLength;
  }

  /**
   * Packs the fields the store keeps (fixed fields, each queue's length and live items) into `scratch`
   * as varints, zero-padded to a whole word; returns the number of words.
   */
  private encode(v: Int32Array): number {
    const dst = this.scratch;
    const { fixedWidth, queueBase } = this.shape;
    let p = 0;
    let q = -1;
    let i = 0;
    let end = fixedWidth;
    for (;;) {
      while (i < end) {
        let x = v[i++];
        while (x > 0x7f) { dst[p++] = (x & 0x7f) | 0x80; x >>>= 7; }
        dst[p++] = x;
      }
      if (++q === queueBase.length) break;
      i = queueBase[q];
      end = i + 1 + v[i];
    }
    while ((p & 3) !== 0) dst[p++] = 0;
    return p >>> 2;
  }

  /**
   * Hash of the first `n` words of an encoded state (murmur3's mixing). Protected so that a test can
   * force collisions.
   */
  protected hash(words: Int32Array, n: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < n; i++) {
      let k = Math.imul(words[i], 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return h;
  }

  /**
   * Whether stored state `idx` is the encoded state in `scratch` (`n` words). Encodings are
   * self-delimiting, so neither of two different states' encodings is a prefix of the other's: equal
   * first `n` words mean equal states, whatever the stored one's length.
   */
  private equals(idx: number, n: number): boolean {
    const off = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK];
    const chunk = this.arenaWords[Math.floor(off / ARENA_WORDS)];
    const at = off % ARENA_WORDS;
    const words = this.scratchWords;
    for (let i = 0; i < n; i++) if (chunk[at + i] !== words[i]) return false;
    return true;
  }

  private append(n: number, parent: number, step: number): number {
    const idx = this.count;
    if (idx >= 0x7fffffff) throw new Error('state store full (2^31 states)');
    // Room for the longest encoding, so a state never straddles two chunks.
    if (this.arenaUsed + this.scratchWords.length * 4 > ARENA_CHUNK) {
      if ((this.arenaChunk + 2) * ARENA_WORDS > 2 ** 32) throw new Error('state store full (16 GB of packed states)');
      const words = new Int32Array(ARENA_WORDS);
      this.arenaWords.push(words);
      this.arena.push(new Uint8Array(words.buffer));
      this.arenaChunk++;
      this.arenaUsed = 0;
    }
    const dst = this.arenaWords[this.arenaChunk];
    const start = this.arenaUsed;
    const at = start >>> 2;
    const words = this.scratchWords;
    for (let i = 0; i < n; i++) dst[at + i] = words[i];
    const c = idx >>> COLUMN_BITS;
    if (c === this.offsets.length) {
      this.offsets.push(new Uint32Array(COLUMN_CHUNK));
      this.parents.push(new Int32Array(COLUMN_CHUNK));
      this.steps.push(new Int32Array(COLUMN_CHUNK));
    }
    const j = idx & COLUMN_MASK;
    this.offsets[c][j] = this.arenaChunk * ARENA_WORDS + at;
    this.parents[c][j] = parent;
    this.steps[c][j] = step;
    this.arenaUsed = start + 4 * n;
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
