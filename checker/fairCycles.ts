// The fair-cycle search behind liveness properties (README, "Liveness"), over the graph the explorer
// recorded (checker/edgeStore.ts). For one property:
// 1. The pending states: those where the obligation can be open (the liveness monitor's bit set),
//    i.e. reachable from a trigger state without passing a goal state.
// 2. Their strongly connected components (Tarjan's algorithm, iterative), restricted to states whose
//    successors were all recorded. A component is refined as for Streett conditions: when a
//    strong-fairness actor or event is enabled somewhere in it but never taken inside it, the states
//    where it is enabled are removed and what is left is split again. A component that passes every
//    strong condition is fair when every actor either steps inside it or is disabled somewhere in it
//    (weak fairness): a cycle through all of its states and edges is then a fair run.
// 3. A run that reaches a pending state with nothing at all enabled is a finite maximal run that never
//    meets the obligation: a violation too.
// 4. The counterexample: a breadth-first search of the product with the monitor bit finds the nearest
//    pending state in a fair component (or a pending end state); the cycle then visits, greedily, the
//    nearest state or edge discharging each fairness obligation and returns to its start.
// The search is a generator that pauses every WORK_SLICE units of work, so that the explorer can run
// it in slices like its own search: a time limit, the memory bound and Ctrl-C stop it too.
import type { EdgeStore } from './edgeStore.ts';
import { COMPLETE } from './edgeStore.ts';
import { monitorStep } from './fairness.ts';
import type { FairnessRules, Move } from './fairness.ts';

export interface LivenessGraph {
  edges: EdgeStore;
  /** States stored. */
  count: number;
  actorCount: number;
  /** Who moves on a step label, with which event type. */
  moveOf: (label: number) => Move;
  rules: FairnessRules;
}

export interface Lasso {
  /** Edge indices from the initial state to the cycle's start (or the run's end). */
  prefix: number[];
  /** Edge indices of a cycle returning to where the prefix ends; null when the run ends there. */
  cycle: number[] | null;
  /** The state where the pending obligation began (the last state on the path where the monitor was set). */
  triggerState: number;
  /** How many prefix steps lead to `triggerState`. */
  triggerStep: number;
}

type Form = 'leadsTo' | 'alwaysEventually' | 'eventually';

/** Units of work (states or edges visited) between two pauses of the search. */
const WORK_SLICE = 1 << 16;

/**
 * The typed arrays one property's search allocates, in bytes (the explorer checks them against the
 * memory bound before it starts): 14 int32 arrays' worth per state, and two of bytes.
 */
export function lassoSearchBytes(count: number): number {
  return count * (14 * 4 + 2);
}

/** Runs the whole search at once (tests, and callers with no bound to respect). */
export function findLasso(g: LivenessGraph, form: Form, triggerBit: number, goalBit: number): Lasso | null {
  const search = lassoSearch(g, form, triggerBit, goalBit);
  for (;;) {
    const r = search.next();
    if (r.done) return r.value;
  }
}

/**
 * A reachable fair run that never meets the obligation of the property whose flags sit at
 * `triggerBit` and `goalBit`, or null when there is none in the recorded graph. Pauses (yields)
 * every WORK_SLICE units of work.
 */
export function* lassoSearch(g: LivenessGraph, form: Form, triggerBit: number, goalBit: number): Generator<void, Lasso | null, void> {
  const { edges, count } = g;
  if (count === 0) return null;
  let work = 0;
  const trig = (s: number) => (edges.flags(s) & triggerBit) !== 0;
  const goal = (s: number) => (edges.flags(s) & goalBit) !== 0;
  const complete = (s: number) => (edges.flags(s) & COMPLETE) !== 0;

  // 1. Pending states.
  const pending = new Uint8Array(count);
  const queue = new Int32Array(count);
  let qEnd = 0;
  for (let s = 0; s < count; s++) {
    if ((form === 'eventually' ? s === 0 : trig(s)) && !goal(s)) { pending[s] = 1; queue[qEnd++] = s; }
  }
  for (let qi = 0; qi < qEnd; qi++) {
    if ((++work & (WORK_SLICE - 1)) === 0) yield;
    const s = queue[qi];
    for (let e = edges.first(s), end = edges.end(s); e < end; e++) {
      const t = edges.target(e);
      if (t >= 0 && pending[t] === 0 && !goal(t)) { pending[t] = 1; queue[qEnd++] = t; }
    }
  }

  // 2. Fair components, and 3. pending states where the run ends. goalMark: k + 1 for fair component k, -1 for an end.
  const goalMark = new Int32Array(count);
  const tag = new Int32Array(count);
  let nodeCount = 0;
  for (let i = 0; i < qEnd; i++) {
    const s = queue[i];
    if (!complete(s)) continue;
    if (edges.first(s) === edges.end(s)) goalMark[s] = -1;
    else { tag[s] = 1; queue[nodeCount++] = s; }
  }
  const components: Int32Array[] = [];
  const tarjan = new Tarjan(edges, count, tag);
  // Components that can hold a cycle; a single state without a self-loop (most of a large graph) is
  // dropped as Tarjan emits it, so no array is made for it.
  const candidates: Int32Array[] = [];
  const keep = (stack: Int32Array, from: number, to: number) => {
    if (to - from > 1 || hasEdgeTo(edges, stack[from], stack[from])) candidates.push(stack.slice(from, to));
  };
  yield* tarjan.run(queue.subarray(0, nodeCount), 1, keep);
  let nextTag = 2;
  const scratch = new FairnessScratch(g);
  while (candidates.length > 0) {
    yield;
    const scc = candidates.pop()!;
    const t = nextTag++;
    for (const s of scc) tag[s] = t;
    const verdict = scratch.judge(scc, tag, t);
    if (verdict.bad.length > 0) {
      const rest = scc.filter((s) => !verdict.bad.some((b) => scratch.enabledAt(s, b)));
      if (rest.length === 0) continue;
      const sub = nextTag++;
      for (const s of rest) tag[s] = sub;
      yield* tarjan.run(rest, sub, keep);
      continue;
    }
    if (!verdict.fair) continue;
    components.push(scc);
    for (const s of scc) goalMark[s] = components.length;
  }

  // 4. The nearest violating run, in the product with the monitor bit.
  const parentEdge = new Int32Array(2 * count).fill(-2);
  const parentNode = new Int32Array(2 * count);
  const pq = new Int32Array(2 * count);
  const bit0 = monitorStep(form, false, true, trig(0), goal(0)) ? 1 : 0;
  parentEdge[bit0] = -1;
  pq[0] = bit0;
  let found = -1;
  for (let head = 0, tail = 1; head < tail; head++) {
    if ((++work & (WORK_SLICE - 1)) === 0) yield;
    const node = pq[head];
    const s = node >>> 1;
    if ((node & 1) === 1 && goalMark[s] !== 0) { found = node; break; }
    for (let e = edges.first(s), end = edges.end(s); e < end; e++) {
      const t = edges.target(e);
      if (t < 0) continue;
      const next = 2 * t + (monitorStep(form, (node & 1) === 1, false, trig(t), goal(t)) ? 1 : 0);
      if (parentEdge[next] !== -2) continue;
      parentEdge[next] = e;
      parentNode[next] = node;
      pq[tail++] = next;
    }
  }
  if (found < 0) return null;
  const path: number[] = [];
  for (let n = found; ; n = parentNode[n]) {
    path.push(n);
    if (parentEdge[n] === -1) break;
  }
  path.reverse();
  const prefix = path.slice(1).map((n) => parentEdge[n]);
  // The obligation still open began where the monitor bit was last set.
  let triggerStep = path.length - 1;
  while (triggerStep > 0 && (path[triggerStep - 1] & 1) === 1) triggerStep--;
  const triggerState = path[triggerStep] >>> 1;
  const start = found >>> 1;
  const mark = goalMark[start];
  if (mark < 0) return { prefix, cycle: null, triggerState, triggerStep };
  return { prefix, cycle: fairCycle(g, scratch, components[mark - 1], start, goalMark, mark), triggerState, triggerStep };
}

function hasEdgeTo(edges: EdgeStore, s: number, t: number): boolean {
  for (let e = edges.first(s), end = edges.end(s); e < end; e++) if (edges.target(e) === t) return true;
  return false;
}

/** A fairness condition a cycle must discharge: weak fairness of an actor, strong of an actor or an event. */
type Obligation = { kind: 'weak'; actor: number } | { kind: 'strongActor'; actor: number } | { kind: 'strongEvent'; index: number };

class FairnessScratch {
  private readonly enabledHere: Uint8Array;
  constructor(private readonly g: LivenessGraph) {
    this.enabledHere = new Uint8Array(g.actorCount);
  }

  /** Whether obligation `b` (a strong condition) is enabled at `s`. */
  enabledAt(s: number, b: Obligation): boolean {
    const { edges } = this.g;
    for (let e = edges.first(s), end = edges.end(s); e < end; e++) if (this.matches(edges.label(e), b)) return true;
    return false;
  }

  matches(label: number, b: Obligation): boolean {
    const m = this.g.moveOf(label);
    if (b.kind !== 'strongEvent') return m.actor === b.actor;
    const ev = this.g.rules.strongEvents[b.index];
    return m.actor === ev.actor && m.type === ev.type;
  }

  /** The strong conditions component `scc` (tagged `t`) breaks, and whether it is weakly fair. */
  judge(scc: ArrayLike<number>, tag: Int32Array, t: number): { bad: Obligation[]; fair: boolean } {
    const { edges, actorCount, rules } = this.g;
    const moves = new Uint8Array(actorCount);
    const everywhere = new Uint8Array(actorCount).fill(1);
    const strong = this.strongObligations();
    const enabled = new Uint8Array(strong.length);
    const taken = new Uint8Array(strong.length);
    const here = this.enabledHere;
    for (let i = 0; i < scc.length; i++) {
      const s = scc[i];
      here.fill(0);
      for (let e = edges.first(s), end = edges.end(s); e < end; e++) {
        const label = edges.label(e);
        const m = this.g.moveOf(label);
        const target = edges.target(e);
        const inside = target >= 0 && tag[target] === t;
        here[m.actor] = 1;
        if (inside) moves[m.actor] = 1;
        for (let k = 0; k < strong.length; k++) {
          if (!this.matches(label, strong[k])) continue;
          enabled[k] = 1;
          if (inside) taken[k] = 1;
        }
      }
      for (let a = 0; a < actorCount; a++) if (here[a] === 0) everywhere[a] = 0;
    }
    const bad = strong.filter((_, k) => enabled[k] === 1 && taken[k] === 0);
    let fair = true;
    if (rules.weak) for (let a = 0; a < actorCount; a++) if (moves[a] === 0 && everywhere[a] === 1) fair = false;
    return { bad, fair };
  }

  strongObligations(): Obligation[] {
    const { rules } = this.g;
    return [
      ...rules.strongActors.map((actor): Obligation => ({ kind: 'strongActor', actor })),
      ...rules.strongEvents.map((_, index): Obligation => ({ kind: 'strongEvent', index })),
    ];
  }
}

/**
 * A cycle from `start` inside fair component `scc` (marked `mark` in `goalMark`) that discharges every
 * fairness obligation: greedily the nearest state or edge that discharges one, then back to `start`.
 */
function fairCycle(g: LivenessGraph, scratch: FairnessScratch, scc: Int32Array, start: number, goalMark: Int32Array, mark: number): number[] {
  const { edges, actorCount, rules } = g;
  const inside = (e: number) => { const t = edges.target(e); return t >= 0 && goalMark[t] === mark; };
  const open: Obligation[] = [];
  if (rules.weak) for (let a = 0; a < actorCount; a++) open.push({ kind: 'weak', actor: a });
  for (const b of scratch.strongObligations()) if (scc.some((s) => scratch.enabledAt(s, b))) open.push(b);
  const byState = (s: number) => {
    for (let i = open.length - 1; i >= 0; i--) if (open[i].kind === 'weak' && !scratch.enabledAt(s, open[i])) open.splice(i, 1);
  };
  const byEdge = (e: number) => {
    for (let i = open.length - 1; i >= 0; i--) if (scratch.matches(edges.label(e), open[i])) open.splice(i, 1);
  };
  const cycle: number[] = [];
  const walk = (path: number[]) => { for (const e of path) { cycle.push(e); byEdge(e); byState(edges.target(e)); } };
  let cur = start;
  byState(cur);
  while (open.length > 0) {
    const path = shortestInside(edges, cur, inside, (s) => {
      if (open.some((b) => b.kind === 'weak' && !scratch.enabledAt(s, b))) return -1;
      for (let e = edges.first(s), end = edges.end(s); e < end; e++) if (inside(e) && open.some((b) => scratch.matches(edges.label(e), b))) return e;
      return -2;
    });
    if (path === null) throw new Error('internal error: a fair component has an obligation no cycle discharges');
    walk(path);
    cur = path.length > 0 ? edges.target(path[path.length - 1]) : cur;
  }
  if (cycle.length === 0) {
    let e = edges.first(cur);
    while (!inside(e)) e++;
    walk([e]);
    cur = edges.target(e);
  }
  if (cur !== start) {
    const back = shortestInside(edges, cur, inside, (s) => (s === start ? -1 : -2));
    walk(back!);
  }
  return cycle;
}

/**
 * Shortest path of inside edges from `from` to the first state where `stop` says so: -1 to end at that
 * state, an edge index to end by taking that edge, -2 to go on. Null when no state stops it.
 */
function shortestInside(edges: EdgeStore, from: number, inside: (e: number) => boolean, stop: (s: number) => number): number[] | null {
  const via = new Map<number, number>([[from, -1]]);
  const predecessor = new Map<number, number>();
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head];
    const verdict = stop(s);
    if (verdict !== -2) {
      const path: number[] = verdict >= 0 ? [verdict] : [];
      for (let n = s; via.get(n)! >= 0;) {
        const e = via.get(n)!;
        path.push(e);
        n = predecessor.get(e)!;
      }
      return path.reverse();
    }
    for (let e = edges.first(s), end = edges.end(s); e < end; e++) {
      if (!inside(e)) continue;
      const t = edges.target(e);
      if (via.has(t)) continue;
      via.set(t, e);
      predecessor.set(e, s);
      queue.push(t);
    }
  }
  return null;
}

/**
 * Tarjan's strongly connected components, iterative (an explicit call stack: a graph of millions of
 * states would overflow JavaScript's), over the states tagged `t` and the edges between them.
 */
class Tarjan {
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;
  private readonly stack: Int32Array;
  private readonly callNode: Int32Array;
  private readonly callEdge: Int32Array;

  constructor(private readonly edges: EdgeStore, count: number, private readonly tag: Int32Array) {
    this.index = new Int32Array(count);
    this.low = new Int32Array(count);
    this.onStack = new Uint8Array(count);
    this.stack = new Int32Array(count);
    this.callNode = new Int32Array(count);
    this.callEdge = new Int32Array(count);
  }

  /**
   * Calls `emit(stack, from, to)` with each component as `stack[from..to)` (valid during the call);
   * pauses every WORK_SLICE states entered.
   */
  *run(nodes: ArrayLike<number>, t: number, emit: (stack: Int32Array, from: number, to: number) => void): Generator<void, void, void> {
    const { edges, tag, index, low, onStack, stack, callNode, callEdge } = this;
    for (let i = 0; i < nodes.length; i++) index[nodes[i]] = 0;
    let counter = 0;
    let sp = 0;
    let cp = 0;
    let work = 0;
    const enter = (v: number) => {
      index[v] = low[v] = ++counter;
      stack[sp++] = v;
      onStack[v] = 1;
      callNode[cp] = v;
      callEdge[cp] = edges.first(v);
      cp++;
    };
    for (let r = 0; r < nodes.length; r++) {
      if (index[nodes[r]] !== 0) continue;
      enter(nodes[r]);
      while (cp > 0) {
        if ((++work & (WORK_SLICE - 1)) === 0) yield;
        const v = callNode[cp - 1];
        const end = edges.end(v);
        let e = callEdge[cp - 1];
        let descended = false;
        while (e < end) {
          const w = edges.target(e++);
          if (w < 0 || tag[w] !== t) continue;
          if (index[w] === 0) { callEdge[cp - 1] = e; enter(w); descended = true; break; }
          if (onStack[w] === 1 && index[w] < low[v]) low[v] = index[w];
        }
        if (descended) continue;
        cp--;
        if (cp > 0) { const u = callNode[cp - 1]; if (low[v] < low[u]) low[u] = low[v]; }
        if (low[v] !== index[v]) continue;
        let k = sp;
        do { k--; onStack[stack[k]] = 0; } while (stack[k] !== v);
        emit(stack, k, sp);
        sp = k;
      }
    }
  }
}
