// What a check returns. A verdict never overclaims: `verified` only when the whole reachable state
// space was explored with no bound hit.
import type { EventObject } from 'xstate';
import type { StepKindName } from './stepper.ts';
import type { MemoryModelName } from './memoryModel.ts';

/** One step of a run, as data: replayable from the initial state by (actor, kind, event). */
export interface Step {
  actor: string;
  kind: StepKindName;
  event: EventObject;
  /** Which value each branching load of the step returned (option indices; ARM only). */
  choices?: number[];
}

export interface Violation {
  property: string;
  message: string;
  /** The steps from the initial state; a shortest such path for the first violation found. */
  steps: Step[];
  /**
   * Liveness violations only: a lasso. The steps after the first `cycleStart` form a cycle that
   * returns to the state reached after step `cycleStart` (0: the initial state) and that a fair run
   * repeats forever; null when the run ends instead (nothing left to fire, the obligation still open).
   */
  cycleStart?: number | null;
}

/**
 * `verified-probabilistic`: as `verified`, but the visited states were kept as fingerprints or bits
 * (`store: 'compact'` or `'bitstate'`), so a state may have been missed: `approximation` says how likely.
 * `unreached`: the whole state space was explored, no property was violated, but a reachability goal
 * (`reachable`) holds in no reachable state.
 */
export type Verdict = 'violated' | 'verified' | 'verified-probabilistic' | 'bounded' | 'unreached';

/** A reachability goal: a shortest witness run to a state where it holds, or none found. */
export interface GoalResult {
  property: string;
  reached: boolean;
  /** The witness, from the initial state (null when unreached). */
  steps: Step[] | null;
}

export type BoundKind = 'maxStates' | 'maxDepth' | 'timeLimit' | 'memory' | 'queueCapacity' | 'storeBuffer' | 'history' | 'interrupted' | 'sampled'
  /** An approximate store (`store: 'compact'` or `'bitstate'`) probably missed states, or cannot judge liveness. */
  | 'omissions' | 'unjudged';

/**
 * How the visited states were kept when not whole (`store: 'compact'` or `'bitstate'`, checker/frontierStore.ts):
 * a new state whose fingerprint or bits collide with a state seen before is taken for it and never explored.
 */
export interface StoreApproximation {
  store: 'compact' | 'bitstate';
  /** compact: the bits of each state's fingerprint. */
  fingerprintBits?: number;
  /** bitstate: the size of the bit array, and how many of its bits (hash functions) each state sets. */
  bits?: number;
  hashes?: number;
  /** States stored (explored or queued). */
  states: number;
  /** Estimated probability that one or more reachable states were missed. */
  omissionProbability: number;
  /** Estimated number of reachable states missed (each taken for a state seen before; their successors may be missed too). */
  expectedOmissions: number;
}

export interface Bound {
  kind: BoundKind;
  detail: string;
}

export interface Stats {
  states: number;
  transitions: number;
  /** Depth of the deepest state reached (BFS level). */
  depth: number;
  seconds: number;
  statesPerSec: number;
  bytesPerState: number;
  /** Distinct local transitions XState computed (memo misses). */
  localTransitions: number;
  /** States discovered but not yet expanded when the run stopped. */
  queued: number;
  /**
   * For a system that declares symmetry (README, "Symmetry reduction"): whether the reduction was
   * applied (`states` then counts orbits), what it covered or why not, and the concrete states the
   * orbits stored stand for (null when not known exactly); with liveness properties, the states the
   * fair-cycle search unfolded the orbits into (checker/symmetryCover.ts), once it ran.
   */
  symmetry?: { applied: boolean; note: string; represented: number | null; cover?: number };
  /**
   * Partial-order reduction (README, "Partial-order reduction"), when asked for with `partialOrder: true`
   * or, on by default, when it expanded some state by an ample set: whether it was applied, what it
   * worked from or why not, and how many states were expanded by a proper ample set.
   */
  partialOrder?: {
    applied: boolean; note: string; reducedStates: number;
    /**
     * When it found a violation or a goal witness: the search again without it, as deep as the longest
     * (checker/shortestAgain.ts), whose counterexamples and witnesses are reported, shortest ones; `depth`
     * null: over the whole graph (for a liveness lasso, or liveness beside a bound that cut branches),
     * whose result is then the check's; or, when it `stopped` first (why), the reduced search's own,
     * real schedules though not always shortest.
     */
    shortest?: { depth: number | null; states: number; stopped: string | null };
  };
  /**
   * With ExploreOptions.threads: the threads the search ran on, and why one when more were asked for;
   * with `afterSeconds`, the seconds the search ran on one thread before it started over on the threads.
   */
  threads?: { used: number; reason?: string; startedOverAfter?: number };
}

/** How a random search found its violation: the walk to retake (with the same seed and options). */
export interface RandomFinding {
  seed: number;
  walk: number;
  /** The walk's length before the counterexample was shrunk. */
  walkSteps: number;
}

/** What a random search did (checker/randomSearch.ts), as data: a merge of shards reads it. */
export interface RandomSearchRun {
  /** Walks taken. */
  walks: number;
  maxDepth: number;
  seed: number;
  swarm: boolean;
  /** Set when the walks were one shard (0-based index) of a search split `count` ways. */
  shard?: { index: number; count: number };
}

export interface CheckResult {
  verdict: Verdict;
  /** The memory model the check ran under. */
  memory: MemoryModelName;
  /** What that memory model leaves out of the architecture, said with every verdict under it (null: nothing). */
  memoryCaveat: string | null;
  violations: Violation[];
  /** Every reachability goal of the system, reached or not (in definition order). */
  goals: GoalResult[];
  /** Every bound that cut the exploration short (empty for `verified`). */
  bounds: Bound[];
  stats: Stats;
  /** Set when the store was approximate (`store: 'compact'` or `'bitstate'`), whatever the verdict. */
  approximation?: StoreApproximation;
  /** Set by a random search that found a violation (checker/randomSearch.ts). */
  found?: RandomFinding;
  /** Set by every random search. */
  random?: RandomSearchRun;
  /** With `coverage: true` (exhaustive search only): per actor, how often each state and transition was seen. */
  coverage?: ActorCoverage[];
}

/** Coverage of one state node of an actor's machine (`--coverage`). */
export interface StateCoverage {
  /** The state node's path from the machine's root, dot-separated (`boot.booted`). */
  state: string;
  /** Distinct reachable global states in which the actor is in it. */
  globalStates: number;
}

/** Coverage of one transition of an actor's machine, as its definition lists it. */
export interface TransitionCoverage {
  /** The state node that defines it. */
  state: string;
  /** The event type it is for (`after 100` for a timer, `onDone` for a state's done event). */
  event: string;
  /** Its guard's name, or `#k` for the k-th (1-based) transition of its state for that event when it has no named guard. */
  guard: string | null;
  /** Its target state nodes (empty: a targetless transition). */
  targets: string[];
  /** Distinct reachable global states in which a step took it. */
  globalStates: number;
}

/** One actor's machine: every state node and every transition of its definition (`always` transitions aside). */
export interface ActorCoverage {
  actor: string;
  /** The machine's id. */
  machine: string;
  states: StateCoverage[];
  transitions: TransitionCoverage[];
}
