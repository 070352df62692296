// The visited-state store. Global states are packed as LEB128 varints (most ids are < 128, so one byte
// a field), appended to a chunked byte arena in discovery order, and found again through an
// open-addressing hash table of state indices. Per-state columns (arena offset, hash, BFS parent, the
// step that reached it) live in fixed-size chunks, so growth never copies them and slack stays small.
// Discovery order doubles as the BFS queue. Capacity: 2^31 states; at ~40 bytes a state, 50 million
// states need about 2 GB.

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
  private hashes: Int32Array[] = [];
  private parents: Int32Array[] = [];
  private steps: Int32Array[] = [];
  private table: Int32Array;
  private mask: number;
  count = 0;

  private readonly scratch: Uint8Array;
  private scratchLen = 0;
  private scratchHash = 0;

  constructor(private readonly shape: VectorShape, initialTableBits = 16) {
    this.table = new Int32Array(1 << initialTableBits);
    this.mask = this.table.length - 1;
    this.scratch = new Uint8Array(shape.width * 5);
  }

  /**
   * Adds vector `v` unless already present. Returns its index; `wasNew` tells whether it was added.
   * `parent` and `step` record how BFS first reached it. With `mayAdd` false a new vector is not added
   * and the result is -1 (the store is at its state limit).
   */
  wasNew = false;
  add(v: Int32Array, parent: number, step: number, mayAdd = true): number {
    this.encode(v);
    const h = this.scratchHash;
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const entry = table[slot];
      if (entry === 0) break;
      const idx = entry - 1;
      if (this.hashes[idx >>> COLUMN_BITS][idx & COLUMN_MASK] === h && this.equalsScratch(idx)) {
        this.wasNew = false;
        return idx;
      }
      slot = (slot + 1) & mask;
    }
    this.wasNew = false;
    if (!mayAdd) return -1;
    const idx = this.append(parent, step, h);
    table[slot] = idx + 1;
    if (this.count > this.table.length * MAX_LOAD) this.grow();
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
    return this.arena.length * ARENA_CHUNK + this.offsets.length * COLUMN_CHUNK * (8 + 4 + 4 + 4) + this.table.byteLength;
  }

  private encode(v: Int32Array): void {
    const s = this.scratch;
    const { fixedWidth, queueBase } = this.shape;
    let p = 0;
    let h = 0x811c9dc5 | 0;
    let q = -1;
    let i = 0;
    let end = fixedWidth;
    for (;;) {
      while (i < end) {
        let x = v[i++];
        while (x > 0x7f) { const b = (x & 0x7f) | 0x80; s[p++] = b; h = Math.imul(h ^ b, 0x01000193); x >>>= 7; }
        s[p++] = x;
        h = Math.imul(h ^ x, 0x01000193);
      }
      if (++q === queueBase.length) break;
      i = queueBase[q];
      end = i + 1 + v[i];
    }
    // murmur3 finalizer: FNV alone leaves the low bits (the table index) poorly mixed.
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    this.scratchLen = p;
    this.scratchHash = h;
  }

  private equalsScratch(idx: number): boolean {
    const off = this.offsets[idx >>> COLUMN_BITS][idx & COLUMN_MASK];
    const chunk = this.arena[Math.floor(off / ARENA_CHUNK)];
    const start = off % ARENA_CHUNK;
    const s = this.scratch;
    const n = this.scratchLen;
    // Varint fields are prefix-free and the field count is fixed, so equal bytes up to n means equal.
    for (let i = 0; i < n; i++) if (chunk[start + i] !== s[i]) return false;
    return true;
  }

  private append(parent: number, step: number, h: number): number {
    const idx = this.count;
    if (idx >= 0x7fffffff) throw new Error('state store full (2^31 states)');
    const n = this.scratchLen;
    if (this.arenaUsed + n > ARENA_CHUNK) {
      this.arena.push(new Uint8Array(ARENA_CHUNK));
      this.arenaChunk++;
      this.arenaUsed = 0;
    }
    const dst = this.arena[this.arenaChunk];
    const src = this.scratch;
    const at = this.arenaUsed;
    for (let i = 0; i < n; i++) dst[at + i] = src[i];
    const c = idx >>> COLUMN_BITS;
    if (c === this.offsets.length) {
      this.offsets.push(new Float64Array(COLUMN_CHUNK));
      this.hashes.push(new Int32Array(COLUMN_CHUNK));
      this.parents.push(new Int32Array(COLUMN_CHUNK));
      this.steps.push(new Int32Array(COLUMN_CHUNK));
    }
    const i = idx & COLUMN_MASK;
    this.offsets[c][i] = this.arenaChunk * ARENA_CHUNK + this.arenaUsed;
    this.hashes[c][i] = h;
    this.parents[c][i] = parent;
    this.steps[c][i] = step;
    this.arenaUsed += n;
    this.count = idx + 1;
    return idx;
  }

  private grow(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let idx = 0; idx < this.count; idx++) {
      let slot = this.hashes[idx >>> COLUMN_BITS][idx & COLUMN_MASK] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = idx + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}
