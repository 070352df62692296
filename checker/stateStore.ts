// The visited-state store. Global states are packed as LEB128 varints (most ids are < 128, so one byte
// a field), appended to a chunked byte arena in discovery order, and found again through an
// open-addressing hash table whose slots hold a state's index and its hash side by side, so a probe that
// misses never leaves the table. Most successors are states already seen, so the lookup hashes the Int32
// vector itself and compares it field by field against the packed bytes; only a new state is encoded.
// Per-state columns (arena offset, BFS parent, the step that reached it) live in fixed-size chunks, so
// growth never copies them and slack stays small. Discovery order doubles as the BFS queue. Capacity:
// 2^31 states; at ~40 bytes a state, 50 million states need about 2 GB.

const ARENA_CHUNK = 1 << 22; // bytes
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
  private arenaChunk = -1;
  private arenaUsed = ARENA_CHUNK;
  private offsets: Float64Array[] = [];
  private parents: Int32Array[] = [];
  private steps: Int32Array[] = [];
  /** Pairs [state index + 1 (0: empty), hash]. */
  private table: Int32Array;
  private mask: number;
  count = 0;

  constructor(private readonly shape: VectorShape, initialTableBits = 16) {
    this.table = new Int32Array(2 << initialTableBits);
    this.mask = (1 << initialTableBits) - 1;
  }

  /**
   * Adds vector `v` unless already present. Returns its index; `wasNew` tells whether it was added.
   * `parent` and `step` record how BFS first reached it. With `mayAdd` false a new vector is not added
   * and the result is -1 (the store is at its state limit).
   */
  wasNew = false;
  add(v: Int32Array, parent: number, step: number, mayAdd = true): number {
    const h = this.hash(v);
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const entry = table[2 * slot];
      if (entry === 0) break;
      if (table[2 * slot + 1] === h && this.equals(entry - 1, v)) {
        this.wasNew = false;
        return entry - 1;
      }
      slot = (slot + 1) & mask;
    }
    this.wasNew = false;
    if (!mayAdd) return -1;
    const idx = this.append(v, parent, step);
    table[2 * slot] = idx + 1;
    table[2 * slot + 1] = h;
    if (this.count > (mask + 1) * MAX_LOAD) this.grow();
    this.wasNew = true;
    return idx;
  }

  /** Decodes state `idx` into `out` (zeroing unused queue slots). */
  read(idx: number, out: Int32Array): void {
    const off = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK];
    const chunk = this.arena[Math.floor(off / ARENA_CHUNK)];
    let p = off % ARENA_CHUNK;
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
    return this.arena.length * ARENA_CHUNK + this.offsets.length * COLUMN_CHUNK * (8 + 4 + 4) + this.table.byteLength;
  }

  /**
   * Hash of the fields the store keeps (fixed fields, each queue's length and live items), word by
   * word (murmur3's mixing). Protected so that a test can force collisions.
   */
  protected hash(v: Int32Array): number {
    const { fixedWidth, queueBase } = this.shape;
    let h = 0x811c9dc5 | 0;
    let q = -1;
    let i = 0;
    let end = fixedWidth;
    for (;;) {
      while (i < end) {
        let k = Math.imul(v[i++], 0xcc9e2d51);
        k = (k << 15) | (k >>> 17);
        h ^= Math.imul(k, 0x1b873593);
        h = (h << 13) | (h >>> 19);
        h = (Math.imul(h, 5) + 0xe6546b64) | 0;
      }
      if (++q === queueBase.length) break;
      i = queueBase[q];
      end = i + 1 + v[i];
    }
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return h;
  }

  /** Whether stored state `idx` is `v`, decoding its varints against the vector as it goes. */
  private equals(idx: number, v: Int32Array): boolean {
    const off = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK];
    const chunk = this.arena[Math.floor(off / ARENA_CHUNK)];
    let p = off % ARENA_CHUNK;
    const { fixedWidth, queueBase } = this.shape;
    let q = -1;
    let i = 0;
    let end = fixedWidth;
    for (;;) {
      while (i < end) {
        let b = chunk[p++];
        let x = b & 0x7f;
        let shift = 7;
        while (b & 0x80) { b = chunk[p++]; x |= (b & 0x7f) << shift; shift += 7; }
        if (x !== v[i++]) return false;
      }
      if (++q === queueBase.length) return true;
      i = queueBase[q];
      // The length is compared first, so the items compared next are exactly the live ones.
      end = i + 1 + v[i];
    }
  }

  private append(v: Int32Array, parent: number, step: number): number {
    const idx = this.count;
    if (idx >= 0x7fffffff) throw new Error('state store full (2^31 states)');
    // A varint takes at most 5 bytes, so a state never straddles two chunks.
    if (this.arenaUsed + this.shape.width * 5 > ARENA_CHUNK) {
      this.arena.push(new Uint8Array(ARENA_CHUNK));
      this.arenaChunk++;
      this.arenaUsed = 0;
    }
    const dst = this.arena[this.arenaChunk];
    const start = this.arenaUsed;
    let p = start;
    const { fixedWidth, queueBase } = this.shape;
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
    const c = idx >>> COLUMN_BITS;
    if (c === this.offsets.length) {
      this.offsets.push(new Float64Array(COLUMN_CHUNK));
      this.parents.push(new Int32Array(COLUMN_CHUNK));
      this.steps.push(new Int32Array(COLUMN_CHUNK));
    }
    const j = idx & COLUMN_MASK;
    this.offsets[c][j] = this.arenaChunk * ARENA_CHUNK + start;
    this.parents[c][j] = parent;
    this.steps[c][j] = step;
    this.arenaUsed = p;
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
