// The fair-cycle search under symmetry reduction (README, "Symmetry reduction"). The explorer's graph
// is a quotient: one state per orbit, each edge going from a representative r to the representative
// p(u) of the step's successor u, with p the permutation of the members that took u there. A cycle of
// orbits need not be a cycle of states, and fairness is per actor, so the search runs on the cover
// instead, the annotated quotient unfolded (Emerson and Sistla, "Utilizing symmetry when model-checking
// under fairness assumptions", TOPLAS 19(4), 1997):
// - node (q, s) stands for the concrete state s(r_q), the members of q's representative moved by s;
// - by equivariance (which checker/symmetry.ts checks on every local transition) its steps are r_q's
//   moved by s: actor a becomes s(a), and the step to orbit t with permutation p reaches
//   s(p^-1(r_t)), node (t, s.p^-1);
// - the initial node is (0, p0^-1), p0 having taken the initial state to its representative.
// Paths from the initial node are the concrete graph's paths, one for one (each step of s(r_q) is the
// image of one of r_q's), and each node's steps are its concrete state's, failed ones included; so a
// cycle of the cover is a concrete fair cycle when fairness judges it fair, and a concrete cycle, lifted
// and repeated until it closes (the nodes over one state are finitely many), is one of the cover. Nodes
// (q, s) and (q, s.t), for t in the stabiliser of r_q, stand for one state: each node's permutation is
// the least-numbered of its coset, so the cover is the concrete graph itself, a node per state
// reachable. Liveness flags are judged on each node's concrete state where the properties do not treat
// the members alike (Symmetry.livenessAlike), so they need not.
import { grown } from './chunkArrays.ts';
import { COMPLETE, EdgeStore } from './edgeStore.ts';
import type { Symmetry } from './symmetry.ts';

/** Units of work (edges unfolded) between two pauses. */
const WORK_SLICE = 1 << 16;

export interface Cover {
  /** The cover's edges and flags, for checker/fairCycles.ts. */
  edges: EdgeStore;
  count: number;
  /** Node n's orbit (the quotient's state index). */
  orbit(n: number): number;
  /** Node n's permutation: its concrete state is its orbit's representative moved by it. */
  perm(n: number): number;
  /** A cover edge's label: the quotient's label, moved by the permutation. */
  quotientLabel(label: number): number;
  labelPerm(label: number): number;
}

/**
 * Unfolds the quotient graph `quotient` (of `orbitCount` stored states) from the initial node, pausing every WORK_SLICE edges.
 * `flags(node, orbit, perm)` gives the liveness flag bits of a node's concrete state (the COMPLETE bit
 * is the orbit's).
 */
export function* coverOf(quotient: EdgeStore, orbitCount: number, symmetry: Symmetry, initialPerm: number, representative: (orbit: number) => Int32Array,
  flags: (node: number, orbit: number, perm: number) => number): Generator<void, Cover, void> {
  const perms = symmetry.permutationCount;
  // Per orbit stored (expanded or not: a bound may leave some unexpanded): 0 not yet known, 1 a
  // trivial stabiliser, k + 2 the k-th of `stabilizers`.
  const stabilizerOf = new Int32Array(orbitCount);
  const stabilizers: number[][] = [];
  /** The least-numbered permutation of s's coset s.Stab(r_q): every one of them stands for the same state. */
  const least = (q: number, s: number): number => {
    let k = stabilizerOf[q];
    if (k === 0) {
      const fixing = symmetry.stabilizer(representative(q));
      if (fixing.length === 1) k = 1;
      else { k = stabilizers.length + 2; stabilizers.push(fixing); }
      stabilizerOf[q] = k;
    }
    if (k === 1) return s;
    let best = s;
    for (const t of stabilizers[k - 2]) best = Math.min(best, symmetry.composeInverse(s, t));
    return best;
  };
  const edges = new EdgeStore();
  let orbits = new Int32Array(1024);
  let nodePerms = new Int16Array(1024);
  let count = 0;
  // Open addressing: node index + 1 per slot, 0 empty; kept at most half full; the hash's top bits pick the slot.
  let slots = new Int32Array(2048);
  let shift = 32 - 11;
  const find = (q: number, s: number): number => {
    const mask = slots.length - 1;
    for (let i = Math.imul(q * perms + s, 0x9e3779b1) >>> shift; ; i = (i + 1) & mask) {
      const n = slots[i] - 1;
      if (n < 0) return -1 - i;
      if (orbits[n] === q && nodePerms[n] === s) return n;
    }
  };
  const add = (q: number, s: number, slot: number): number => {
    if (count === orbits.length) {
      orbits = grown(orbits, 2 * count);
      nodePerms = grown(nodePerms, 2 * count);
    }
    orbits[count] = q;
    nodePerms[count] = s;
    slots[slot] = count + 1;
    if (2 * ++count > slots.length) {
      slots = new Int32Array(2 * slots.length);
      shift--;
      for (let n = 0; n < count; n++) slots[-1 - find(orbits[n], nodePerms[n])] = n + 1;
    }
    return count - 1;
  };
  const labels: number[] = [];
  const labelIndex = new Map<number, number>();
  const coverLabel = (label: number, s: number): number => {
    const key = label * perms + s;
    let l = labelIndex.get(key);
    if (l === undefined) {
      l = labels.length;
      labels.push(key);
      labelIndex.set(key, l);
    }
    return l;
  };

  const first = least(0, symmetry.inverse(initialPerm));
  add(0, first, -1 - find(0, first));
  let work = 0;
  for (let n = 0; n < count; n++) {
    const q = orbits[n], s = nodePerms[n];
    edges.begin(n);
    edges.setFlags(n, (quotient.flags(q) & COMPLETE) | flags(n, q, s));
    for (let e = quotient.first(q), end = quotient.end(q); e < end; e++) {
      const t = quotient.target(e);
      const label = coverLabel(quotient.label(e), s);
      if (t < 0) { edges.add(-1, label); continue; }
      const ts = least(t, symmetry.composeInverse(s, quotient.perm(e)));
      const found = find(t, ts);
      edges.add(found >= 0 ? found : add(t, ts, -1 - found), label);
      if (++work === WORK_SLICE) { work = 0; yield; }
    }
  }
  return {
    edges, count,
    orbit: (n) => orbits[n],
    perm: (n) => nodePerms[n],
    quotientLabel: (l) => Math.floor(labels[l] / perms),
    labelPerm: (l) => labels[l] % perms,
  };
}

/** The edges of a shortest path of `cover` from its initial node to node `to` (a message's counterexample). */
export function coverPath(cover: Cover, to: number): number[] {
  const { edges, count } = cover;
  const via = new Int32Array(count).fill(-1);
  const from = new Int32Array(count);
  const queue = new Int32Array(count);
  let head = 0, tail = 0;
  queue[tail++] = 0;
  via[0] = -2;
  while (head < tail && via[to] === -1) {
    const n = queue[head++];
    for (let e = edges.first(n), end = edges.end(n); e < end; e++) {
      const t = edges.target(e);
      if (t < 0 || via[t] !== -1) continue;
      via[t] = e;
      from[t] = n;
      queue[tail++] = t;
    }
  }
  const path: number[] = [];
  for (let n = to; n !== 0; n = from[n]) path.push(via[n]);
  return path.reverse();
}
