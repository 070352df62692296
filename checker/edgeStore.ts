// The explored graph's edges, kept only when a system has a liveness property (safety-only runs store
// none). States are expanded in discovery order, so each state's successors are one contiguous run:
// a per-state start offset (4 bytes) plus, per edge, the successor's index and the step label (8
// bytes). A successor of -1 is a step that is enabled but ends in a violation or a bound: it counts for
// fairness (the actor was enabled) but leads nowhere. A per-state word holds flags: bit 0, the state's
// successors are all recorded (expanded, no bound cut it); then two bits per liveness property, its
// trigger and goal in that state. Storage is chunked, so growth never copies, but for each first chunk,
// which starts small and doubles up to full size: most systems' graphs are small.
import { bytesOf, grown } from './chunkArrays.ts';

const EDGE_BITS = 20;
const EDGE_CHUNK = 1 << EDGE_BITS;
const EDGE_MASK = EDGE_CHUNK - 1;
const STATE_BITS = 16;
const STATE_CHUNK = 1 << STATE_BITS;
const STATE_MASK = STATE_CHUNK - 1;
const MAX_EDGES = 0x7fffffff;
const FIRST_CHUNK = 1 << 8;

export const COMPLETE = 1;
/** Liveness properties one store can keep flags for (two bits each after the COMPLETE bit). */
export const MAX_LIVENESS = 15;

export class EdgeStore {
  private starts: Int32Array[] = [];
  private flagChunks: Uint32Array[] = [];
  private targets: Int32Array[] = [];
  private labels: Int32Array[] = [];
  /**
   * Under symmetry reduction, per edge, the number of the permutation that took the step's successor
   * to the representative stored (checker/symmetry.ts); null otherwise.
   */
  private perms: Int16Array[] | null;

  constructor(options: { permutations?: boolean } = {}) {
    this.perms = options.permutations ? [] : null;
  }
  /** States whose edges have been started (expanded, in index order). */
  expanded = 0;
  edgeCount = 0;

  /** Starts recording the successors of state `s`, which must be the next state expanded. */
  begin(s: number): void {
    if (s !== this.expanded) throw new Error(`edges recorded out of order (state ${s}, expected ${this.expanded})`);
    this.ensureState(s);
    this.starts[s >>> STATE_BITS][s & STATE_MASK] = this.edgeCount;
    this.expanded = s + 1;
  }

  add(target: number, label: number, perm = 0): void {
    const e = this.edgeCount;
    if (e >= MAX_EDGES) throw new RangeError('edge store full (2^31 edges)');
    const c = e >>> EDGE_BITS;
    const j = e & EDGE_MASK;
    if (c === this.targets.length) {
      const size = c === 0 ? FIRST_CHUNK : EDGE_CHUNK;
      this.targets.push(new Int32Array(size));
      this.labels.push(new Int32Array(size));
      this.perms?.push(new Int16Array(size));
    } else if (j === this.targets[c].length) {
      this.targets[c] = grown(this.targets[c], 2 * j);
      this.labels[c] = grown(this.labels[c], 2 * j);
      if (this.perms) this.perms[c] = grown(this.perms[c], 2 * j);
    }
    this.targets[c][j] = target;
    this.labels[c][j] = label;
    if (this.perms) this.perms[c][j] = perm;
    this.edgeCount = e + 1;
  }

  /** First edge of state `s` (states never expanded have none). */
  first(s: number): number {
    return s < this.expanded ? this.starts[s >>> STATE_BITS][s & STATE_MASK] : 0;
  }

  /** One past the last edge of state `s`. */
  end(s: number): number {
    if (s >= this.expanded) return 0;
    return s + 1 < this.expanded ? this.starts[(s + 1) >>> STATE_BITS][(s + 1) & STATE_MASK] : this.edgeCount;
  }

  target(e: number): number { return this.targets[e >>> EDGE_BITS][e & EDGE_MASK]; }
  label(e: number): number { return this.labels[e >>> EDGE_BITS][e & EDGE_MASK]; }
  perm(e: number): number { return this.perms === null ? 0 : this.perms[e >>> EDGE_BITS][e & EDGE_MASK]; }

  flags(s: number): number {
    const c = s >>> STATE_BITS;
    return c < this.flagChunks.length ? this.flagChunks[c][s & STATE_MASK] ?? 0 : 0;
  }

  setFlags(s: number, bits: number): void {
    this.ensureState(s);
    this.flagChunks[s >>> STATE_BITS][s & STATE_MASK] |= bits;
  }

  /** Bytes allocated (slack included). */
  get bytes(): number {
    return bytesOf(this.targets) + bytesOf(this.labels) + bytesOf(this.starts) + bytesOf(this.flagChunks) + (this.perms ? bytesOf(this.perms) : 0);
  }

  private ensureState(s: number): void {
    while ((s >>> STATE_BITS) >= this.starts.length) {
      const size = this.starts.length === 0 ? FIRST_CHUNK : STATE_CHUNK;
      this.starts.push(new Int32Array(size));
      this.flagChunks.push(new Uint32Array(size));
    }
    const j = s & STATE_MASK;
    if (s < STATE_CHUNK && j >= this.starts[0].length) {
      let size = this.starts[0].length;
      while (size <= j) size *= 2;
      this.starts[0] = grown(this.starts[0], size);
      this.flagChunks[0] = grown(this.flagChunks[0], size);
    }
  }
}
