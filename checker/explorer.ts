// Exhaustive breadth-first exploration with a packed visited-state store. BFS order makes the first
// counterexample found a shortest one.
import type { CompiledSystem } from './compile.ts';
import { compileSystem, isCompiledSystem } from './compile.ts';
import { VectorView } from './globalView.ts';
import type { LocalTransition } from './localTransition.ts';
import { BUILTIN, judgedTrue, violationMessage } from './properties.ts';
import type { LivenessProperty } from './properties.ts';
import { judgeQuiescent } from './quiescence.ts';
import type { Bound, BoundKind, CheckResult, Step, Verdict, Violation } from './result.ts';
import { StateStore } from './stateStore.ts';
import { mb, memoryExhausted } from './memoryExhausted.ts';
import { StepLabels } from './stepLabels.ts';
import { FrontierStore, stateStoreFor } from './frontierStore.ts';
import type { StoreKind } from './frontierStore.ts';
import { approximateVerdict } from './storeApproximation.ts';
import { Execution } from './execution.ts';
import { NO_CHOICES } from './choiceScript.ts';
import { forEachStep, forEachTimer, forEachTimerDueNow, initialState, Outcome, Stepper, StepKind, STEP_KIND_NAMES, takeStep } from './stepper.ts';
import type { SystemDefinition } from './system.ts';
import { EVENT_SYNC_CAVEAT, MEMORY_CAVEATS, STALE_FOREVER_CAVEAT, TIMER_SYNC_CAVEAT } from './memoryModel.ts';
import { staleForever, staleForeverText } from './staleReads.ts';
import { COMPLETE, EdgeStore, MAX_LIVENESS } from './edgeStore.ts';
import { lassoSearch, lassoSearchBytes } from './fairCycles.ts';
import type { Lasso, LivenessGraph } from './fairCycles.ts';
import { fairnessRules, unfairness } from './fairness.ts';
import type { CycleState, FairnessRules, Move } from './fairness.ts';
import { livenessMessage, triggerText } from './lassoJudgement.ts';
import { SystemDefinitionError } from './system.ts';
import { CoverageCounter } from './coverage.ts';
import type { MemoryModelName } from './memoryModel.ts';
import { symmetryFor } from './symmetryChoice.ts';
import type { Symmetry } from './symmetry.ts';
import type { ConcretePaths } from './symmetryPaths.ts';
import { coverOf, coverPath } from './symmetryCover.ts';
import type { VectorView as View } from './globalView.ts';
import { partialOrderFor } from './partialOrder.ts';
import type { PartialOrder } from './partialOrder.ts';
import { exploreParallel } from './parallelSearch.ts';
import { shortestAgainOptions, withShortest } from './shortestAgain.ts';
import type { ThreadsOption } from './parallelSearch.ts';

/** States in which partial-order reduction looks for an ample set before it gives up, if it found none. */
const POR_TRIAL = 4096;

export interface ExploreOptions {
  maxStates?: number;
  maxDepth?: number;
  timeLimitSeconds?: number;
  /** Stop (verdict: bounded, `memory`) once the process's resident memory reaches this many bytes. */
  maxMemoryBytes?: number;
  /** Go on after the first violation, collecting one counterexample per violated property. */
  allViolations?: boolean;
  /** The memory model, overriding the system's own `memory` (ignored for an already compiled system). */
  memory?: MemoryModelName;
  /** Re-run every memoised local transition to catch impure model code, not only a sample (checker/localTransition.ts). */
  paranoid?: boolean;
  /** Count how often each state and transition of each machine was seen (CheckResult.coverage; checker/coverage.ts). */
  coverage?: boolean;
  /**
   * How visited states are kept (checker/frontierStore.ts): `full` (the default) keeps each state whole;
   * `compact` a 64-bit fingerprint of each, `bitstate` `bitstateHashes` bits of a bit array: states may
   * then be missed, so no violation found is `verified-probabilistic` (CheckResult.approximation).
   */
  store?: StoreKind;
  /** bitstate: the bit array has 2^bitstateBits bits (3 to 32; default 30, 128 MiB, or a quarter of maxMemoryBytes), as SPIN's -w. */
  bitstateBits?: number;
  /** bitstate: the bits each state sets (default 3), as SPIN's -k. */
  bitstateHashes?: number;
  /**
   * Symmetry reduction for a system that declares `symmetry` (checker/symmetry.ts): one state per orbit.
   * On by default (false switches it off; checker/symmetryChoice.ts); not applied with coverage or an approximate store (CheckResult.stats.symmetry says why); with liveness properties the fair cycles are searched in the orbits unfolded (checker/symmetryCover.ts).
   */
  symmetry?: boolean;
  /**
   * Partial-order reduction (checker/partialOrder.ts): expand only an ample set of steps where that keeps
   * every verdict. On by default (false switches it off); not applied with coverage, symmetry, under arm,
   * with liveness properties beside unordered timers or beside timers of an actor that may be called, or
   * while an invariant, goal or liveness property does not declare what it reads. CheckResult.stats.partialOrder
   * says whether it applied, and, when asked for with `true`, why not.
   */
  partialOrder?: boolean;
  /**
   * exploreAsync only: search with this many worker threads, each rebuilding the system from
   * `system` (checker/parallelSearch.ts). Safety properties under sc and tso over the full store; other
   * searches run on one thread (CheckResult.stats.threads says why).
   */
  threads?: ThreadsOption;
}

export interface Progress {
  states: number;
  transitions: number;
  depth: number;
  queued: number;
  seconds: number;
  statesPerSec: number;
  /** Resident memory of the process: the state store lives in typed arrays outside the JS heap. */
  memoryBytes: number;
}

export interface AsyncExploreOptions extends ExploreOptions {
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /** Aborting stops the run between chunks; the verdict is then `bounded` (interrupted). */
  signal?: AbortSignal;
}

const ROOT = -1;

/** The graph the fair-cycle search runs on, with how its paths become steps and its nodes states. */
interface JudgedGraph {
  graph: LivenessGraph;
  steps: (edges: number[]) => Step[];
  state: (node: number) => Int32Array;
}

/**
 * When a time limit cuts the exploration short, the fair-cycle search of the part explored may run
 * this fraction of the limit longer (README, "Liveness"): a violation in that part is still found.
 */
export const LIVENESS_GRACE = 0.1;

/** One exploration, run in slices so that a caller can report progress and stop it. */
export class Exploration {
  readonly sys: CompiledSystem;
  private readonly stepper: Stepper;
  private readonly store: StateStore;
  private readonly view: VectorView;
  private readonly cur: Int32Array;
  private readonly next: Int32Array;
  private readonly violations = new Map<string, Violation>();
  private readonly bounds = new Map<BoundKind, Bound>();
  private readonly started = performance.now();
  private readonly maxStates: number;
  private readonly maxDepth: number;
  private readonly deadline: number;
  private cursor = 0;
  /** States taken from the queue so far, for how often the time and memory are checked. */
  private tick = 0;
  private levelEnd = 1;
  private depth = 0;
  private deepest = 0;
  private transitions = 0;
  private finished = false;
  /** Steps with branching loads: label 2k+1 is entry k (a base label and its choices). */
  private readonly labels: StepLabels;
  /** The graph's edges and per-state liveness flags; only when the system has a liveness property. */
  private readonly edges: EdgeStore | null;
  /** A bound cut the successors of the state being expanded. */
  private cut = false;
  /** The liveness properties are judged, or given up (a bound hit before or during their search). */
  private livenessJudged = false;
  /** The fair-cycle search, run in slices once the exploration has ended (checker/fairCycles.ts). */
  private livenessSearch: Generator<void, void, void> | null = null;
  /** When the fair-cycle search must stop: the time limit, or the grace past it once the limit was hit. */
  private livenessDeadline: number;
  /** Witnesses of the reachability goals reached so far (a shortest one each: BFS order). */
  private readonly witnesses = new Map<string, Step[]>();
  /** Coverage counts, only when asked for: the steps are observed only then. */
  private readonly coverage: CoverageCounter | null;
  /** Symmetry reduction, when declared and applied: states are stored as their orbits' representatives. */
  private readonly symmetry: Symmetry | null;
  private readonly concrete: ConcretePaths | null;
  private readonly symmetryNote: string | null;
  private readonly canon: Int32Array;
  /** Under symmetry, the permutation that took the initial state to its representative. */
  private initialPerm = 0;
  /** Under symmetry, the states of the cover the fair-cycle search ran on, once unfolded. */
  private coverStates: number | null = null;
  private partialOrder: PartialOrder | null;
  private partialOrderNote: string | null;
  /** A liveness lasso reported needs a load stale forever (arm; checker/staleReads.ts). */
  private lassoNeedsStaleLoad = false;
  private partialOrderAsked: boolean;
  /** A successor of the state being expanded was already stored (the reduction's cycle proviso). */
  private revisited = false;
  /** Steps that ended in a violation or a bound, so far. */
  private failedSteps = 0;

  constructor(system: SystemDefinition | CompiledSystem, private readonly options: ExploreOptions = {}) {
    this.sys = isCompiledSystem(system) ? system : compileSystem(system, options.memory);
    const { layout } = this.sys;
    for (const a of this.sys.actors) a.paranoid = options.paranoid === true;
    this.stepper = new Stepper(this.sys);
    this.labels = new StepLabels(this.sys);
    const regions = Int32Array.from([...layout.queueBase, ...this.stepper.memory.regions]);
    const liveness = this.sys.liveness;
    this.store = stateStoreFor({ fixedWidth: layout.fixedWidth, queueBase: regions, width: layout.width }, options, liveness.length > 0);
    this.view = new VectorView(this.sys);
    if (liveness.length > MAX_LIVENESS) throw new SystemDefinitionError(`a system may have at most ${MAX_LIVENESS} liveness properties (it has ${liveness.length})`);
    // A bit array keeps no state's index, so the graph's edges, which the fair-cycle search needs, cannot be recorded.
    const unjudged = liveness.length > 0 && options.store === 'bitstate';
    if (unjudged) this.addBound('unjudged', `liveness properties left unjudged (${liveness.map(([name]) => name).join(', ')}): the bitstate store keeps no state indices, so the graph's edges are not recorded (use --store compact)`);
    const chosen = symmetryFor(this.sys, this.stepper.memory, this.store, options);
    this.symmetry = chosen.symmetry;
    this.concrete = chosen.paths;
    this.symmetryNote = chosen.note;
    this.edges = liveness.length > 0 && !unjudged ? new EdgeStore({ permutations: this.symmetry !== null }) : null;
    this.livenessJudged = this.edges === null;
    this.cur = new Int32Array(layout.width);
    this.next = new Int32Array(layout.width);
    this.maxStates = options.maxStates ?? Infinity;
    this.maxDepth = options.maxDepth ?? Infinity;
    this.deadline = options.timeLimitSeconds !== undefined ? this.started + options.timeLimitSeconds * 1000 : Infinity;
    this.livenessDeadline = this.deadline;
    this.coverage = options.coverage ? new CoverageCounter(this.sys) : null;
    this.canon = new Int32Array(layout.width);
    const por = partialOrderFor(this.sys, this.stepper, options, this.symmetry !== null);
    this.partialOrder = por.partialOrder;
    this.partialOrderNote = por.note;
    this.partialOrderAsked = por.asked;
    this.start();
  }

  /** stats.partialOrder: when asked for, or when the reduction (on by default) expanded some state by an ample set. */
  private partialOrderStats(): { partialOrder: NonNullable<CheckResult['stats']['partialOrder']> } | null {
    if (this.partialOrderNote === null) return null;
    const reducedStates = this.partialOrder?.reducedStates ?? 0;
    if (!this.partialOrderAsked && reducedStates === 0) return null;
    return { partialOrder: { applied: this.partialOrder !== null, note: this.partialOrderNote, reducedStates } };
  }

  /** The exploration and the fair-cycle search after it have ended. */
  get done(): boolean {
    return this.finished && this.livenessJudged;
  }

  /** Explores (then searches for fair cycles) until done or until `sliceMs` has passed. */
  runSlice(sliceMs = Infinity): boolean {
    const sliceEnd = performance.now() + sliceMs;
    const until = Math.min(sliceEnd, this.deadline);
    const { store, cur } = this;
    // The count carries over between slices: a slice of slow expansions may be shorter than the
    // memory check's period, and a counter reset each slice would then never check memory at all.
    let tick = this.tick;
    while (!this.finished) {
      if (this.cursor === store.count) { this.finished = true; break; }
      if (this.cursor === this.levelEnd) { this.depth++; this.levelEnd = store.count; }
      // Memory first: a slice that ends at the same tick must not skip the memory check.
      if ((++tick & 4095) === 0 && this.memoryExhausted()) break;
      if ((tick & 255) === 0 && performance.now() >= until) {
        if (until === this.deadline) this.bound('timeLimit', `time limit of ${this.options.timeLimitSeconds} s reached`);
        break;
      }
      store.readForSuccessors(this.cursor, cur);
      const edges = this.edges;
      if (edges) { edges.begin(this.cursor); this.cut = false; }
      this.expand(this.cursor);
      if (edges && !this.cut && !this.finished) edges.setFlags(this.cursor, COMPLETE);
      this.cursor++;
    }
    this.tick = tick;
    return this.finished && this.continueLiveness(Math.min(sliceEnd, this.livenessDeadline));
  }

  /** Runs the fair-cycle search until it ends or `until` passes; returns whether the run is done. */
  private continueLiveness(until: number): boolean {
    if (this.livenessJudged) return true;
    if (!this.livenessSearch) {
      if (!this.livenessSearchFits()) return true;
      this.livenessSearch = this.judgeLiveness();
    }
    for (;;) {
      if (performance.now() >= until) {
        if (until < this.livenessDeadline) return false;
        this.bound('timeLimit', `time limit of ${this.options.timeLimitSeconds} s reached during the fair-cycle search (liveness properties left unjudged)`);
        return true;
      }
      if (this.memoryExhausted()) return true;
      if (this.livenessSearch.next().done) {
        this.livenessJudged = true;
        return true;
      }
    }
  }

  /** Whether the fair-cycle search's arrays for `count` states fit under the memory bound; if not, the run ends bounded. */
  private livenessSearchFits(count = this.store.count, over = ''): boolean {
    const limit = this.options.maxMemoryBytes;
    const need = lassoSearchBytes(count);
    if (limit === undefined || process.memoryUsage.rss() + need < limit) return true;
    this.bound('memory', `memory limit of ${mb(limit)} MB reached before the fair-cycle search${over}, which needs about ${Math.max(1, mb(need))} MB more (liveness properties left unjudged)`);
    return false;
  }

  /** The fair-cycle search is under way (the exploration has ended). */
  private get searchingCycles(): boolean {
    return this.finished && !this.livenessJudged && this.livenessSearch !== null;
  }

  private memoryExhausted(): boolean {
    const why = memoryExhausted(this.options.maxMemoryBytes);
    if (why !== null) this.stop('memory', why);
    return why !== null;
  }

  /**
   * Stops the run with a bound. During the exploration, the part explored is still searched for fair
   * cycles (now, at once), except after Ctrl-C (the user wants the run to end now) or with memory
   * exhausted (the search needs more); during that search, the liveness properties left are unjudged.
   */
  stop(kind: BoundKind, detail: string): void {
    const during = this.searchingCycles ? ' during the fair-cycle search (liveness properties left unjudged)' : '';
    this.bound(kind, detail + during);
    if (kind !== 'interrupted' && kind !== 'memory') this.continueLiveness(this.livenessDeadline);
  }

  /** Ends the exploration, or the fair-cycle search after it, with bound `kind`. */
  private bound(kind: BoundKind, detail: string): void {
    // Once the exploration has ended, a bound ends the fair-cycle search (begun or not) too.
    const judging = this.finished && !this.livenessJudged;
    if (!this.finished || judging) this.addBound(kind, detail);
    this.finished = true;
    if (judging || kind === 'interrupted' || kind === 'memory') this.livenessJudged = true;
    else if (kind === 'timeLimit' && this.options.timeLimitSeconds !== undefined) {
      this.livenessDeadline = this.deadline + LIVENESS_GRACE * this.options.timeLimitSeconds * 1000;
    }
  }

  progress(): Progress {
    const seconds = (performance.now() - this.started) / 1000;
    return {
      states: this.store.count, transitions: this.transitions, depth: this.deepest, queued: this.store.count - this.cursor,
      seconds, statesPerSec: seconds > 0 ? this.store.count / seconds : 0, memoryBytes: process.memoryUsage.rss(),
    };
  }

  /** What the memory model left out or made stronger, as far as this exploration used it. */
  private memoryCaveat(): string | null {
    const { eventsSynchronized, timersSynchronized } = this.stepper;
    const caveats = [MEMORY_CAVEATS[this.sys.memory], eventsSynchronized ? EVENT_SYNC_CAVEAT : null, timersSynchronized ? TIMER_SYNC_CAVEAT : null, this.lassoNeedsStaleLoad ? STALE_FOREVER_CAVEAT : null].filter((c) => c !== null);
    return caveats.length > 0 ? caveats.join('; ') : null;
  }

  result(): CheckResult {
    const seconds = (performance.now() - this.started) / 1000;
    const states = this.store.count;
    const violations = [...this.violations.values()];
    const bounds = [...this.bounds.values()];
    const goals = this.sys.goals.map(([property]) => ({ property, reached: this.witnesses.has(property), steps: this.witnesses.get(property) ?? null }));
    let verdict: Verdict = violations.length > 0 ? 'violated' : bounds.length > 0 || !this.done ? 'bounded'
      : goals.some((g) => !g.reached) ? 'unreached' : 'verified';
    if (!this.done && bounds.length === 0) bounds.push({ kind: 'interrupted', detail: 'the run was stopped before it finished' });
    const approximation = this.store instanceof FrontierStore ? this.store.approximation() : undefined;
    if (approximation) {
      const judged = approximateVerdict(verdict, approximation);
      verdict = judged.verdict;
      if (judged.bound) bounds.push(judged.bound);
    }
    return {
      verdict, violations, goals, bounds, memory: this.sys.memory, memoryCaveat: this.memoryCaveat(),
      ...(approximation ? { approximation } : {}),
      stats: {
        states, transitions: this.transitions, depth: this.deepest, seconds,
        statesPerSec: seconds > 0 ? states / seconds : 0,
        bytesPerState: states > 0 ? (this.store.bytes + (this.edges?.bytes ?? 0)) / states : 0,
        localTransitions: this.sys.actors.reduce((n, a) => n + a.computed, 0),
        queued: states - this.cursor,
        ...(this.partialOrderStats() ?? {}),
        ...(this.symmetryNote !== null ? { symmetry: { applied: this.symmetry !== null, note: this.symmetryNote, represented: this.symmetry?.stats().represented ?? null, ...(this.coverStates !== null ? { cover: this.coverStates } : {}) } } : {}),
      },
      ...(this.coverage ? { coverage: this.coverage.result() } : {}),
    };
  }

  private pathTo(idx: number): Step[] {
    if (this.concrete) return this.concrete.to(idx).steps;
    const labels: number[] = [];
    for (let i = idx; this.store.parentOf(i) !== ROOT; i = this.store.parentOf(i)) labels.push(this.store.stepOf(i));
    return labels.reverse().map((l) => this.labels.step(l));
  }

  private start(): void {
    const r = initialState(this.sys, this.stepper, this.cur, null);
    if (r === Outcome.Violation) {
      this.report(this.stepper.violationProperty, this.stepper.violationMessage, []);
      this.finished = true;
      return;
    }
    if (r === Outcome.Bound) { this.bound(this.stepper.boundKind, this.stepper.boundReason); return; }
    if (this.symmetry) {
      this.symmetry.canonical(this.cur, this.canon);
      this.initialPerm = this.symmetry.lastPermutation;
      this.symmetry.auditProperties(this.canon, this.cur);
      this.cur.set(this.canon);
      this.symmetry.countRepresentative();
    }
    this.store.add(this.cur, ROOT, ROOT);
    this.coverage?.countState(this.cur);
    this.coverage?.countInitial();
    if (!this.checkInvariants(this.cur, 0)) this.finished = true;
  }

  /** Reports a violation; returns false when the run should stop. */
  private report(property: string, message: string, steps: Step[]): boolean {
    if (!this.violations.has(property)) this.violations.set(property, { property, message, steps });
    if (!this.options.allViolations) { this.finished = true; return false; }
    return true;
  }

  private addBound(kind: BoundKind, detail: string): void {
    if (!this.bounds.has(kind)) this.bounds.set(kind, { kind, detail });
  }

  /**
   * Checks invariants of the state in `v`, stored at `idx`, and records its liveness flags; returns
   * false when the run should stop.
   */
  private checkInvariants(v: Int32Array, idx: number): boolean {
    if (this.edges && !this.recordLivenessFlags(v, idx)) return false;
    if (this.witnesses.size < this.sys.goals.length && !this.checkGoals(v, idx)) return false;
    const invariants = this.sys.invariants;
    if (invariants.length === 0) return true;
    this.view.v = v;
    for (let i = 0; i < invariants.length; i++) {
      const [name, p] = invariants[i];
      let msg: string | null;
      try {
        msg = violationMessage(p.holds(this.view), `invariant ${name} does not hold`);
      } catch (e) {
        msg = null;
        if (!this.report(BUILTIN.modelError, `invariant ${name} threw: ${e instanceof Error ? e.message : String(e)}`, this.pathTo(idx))) return false;
      }
      if (msg !== null && !this.reportAt(idx, name, msg, (view) => violationMessage(p.holds(view), `invariant ${name} does not hold`))) return false;
    }
    return true;
  }

  /** Reports a violation in the state stored at `idx`, its message worded again in the concrete state under symmetry. */
  private reportAt(idx: number, property: string, message: string, judge: (view: View) => string | null): boolean {
    if (!this.concrete) return this.report(property, message, this.pathTo(idx));
    const { steps, state } = this.concrete.to(idx);
    return this.report(property, this.concrete.reword(state, message, judge), steps);
  }

  /** Records a witness for each reachability goal first reached in state `v` (stored at `idx`). */
  private checkGoals(v: Int32Array, idx: number): boolean {
    this.view.v = v;
    for (const [name, p] of this.sys.goals) {
      if (this.witnesses.has(name)) continue;
      let reached: boolean;
      try {
        reached = judgedTrue(p.goal(this.view));
      } catch (e) {
        if (!this.report(BUILTIN.modelError, `reachability goal ${name} threw: ${e instanceof Error ? e.message : String(e)}`, this.pathTo(idx))) return false;
        continue;
      }
      if (!reached) continue;
      this.witnesses.set(name, this.pathTo(idx));
      this.partialOrder?.see([...this.witnesses.keys()]);
      this.symmetry?.goalReached(name);
    }
    this.view.v = v;
    return true;
  }

  /** Each liveness property's trigger and goal in state `v` (stored at `idx`), as flag bits. */
  private recordLivenessFlags(v: Int32Array, idx: number): boolean {
    const bits = this.livenessFlags(v, (message) => this.report(BUILTIN.modelError, message, this.pathTo(idx)));
    if (bits < 0) return false;
    this.edges!.setFlags(idx, bits);
    return true;
  }

  /**
   * Each liveness property's trigger and goal in state `v`, as flag bits; a property that throws is
   * told to `threw`, and -1 is returned when that says the run should stop.
   */
  private livenessFlags(v: Int32Array, threw: (message: string) => boolean): number {
    this.view.v = v;
    let bits = 0;
    const liveness = this.sys.liveness;
    for (let k = 0; k < liveness.length; k++) {
      const [name, p] = liveness[k];
      let part = 'trigger';
      try {
        if (judgedTrue(p.trigger(this.view))) bits |= 2 << (2 * k);
        part = 'goal';
        if (judgedTrue(p.goal(this.view))) bits |= 4 << (2 * k);
      } catch (e) {
        if (!threw(`liveness property ${name}'s ${part} threw: ${e instanceof Error ? e.message : String(e)}`)) return -1;
      }
    }
    return bits;
  }

  /**
   * Judges the liveness properties over the recorded graph, once, when the search ends, pausing as the
   * fair-cycle search does. Skipped after a safety violation that stopped the search (the graph is then
   * partial and the verdict already `violated`). Within bounds, only states whose successors were all
   * recorded carry cycles and ends, so a violation found is real; with a bound hit, a liveness property
   * with none is not verified.
   */
  private *judgeLiveness(): Generator<void, void, void> {
    if (this.violations.size > 0 && !this.options.allViolations) return;
    const rules = fairnessRules(this.sys);
    const moves = new Map<number, Move>();
    const moveOf = (label: number): Move => {
      let m = moves.get(label);
      if (!m) {
        const step = this.labels.step(label);
        m = { actor: this.sys.actorNames.indexOf(step.actor), type: step.event.type };
        moves.set(label, m);
      }
      return m;
    };
    const judged = this.symmetry
      ? yield* this.coverGraph(this.symmetry, rules)
      : {
          graph: { edges: this.edges!, count: this.store.count, actorCount: this.sys.layout.actorCount, moveOf, rules },
          steps: (edges: number[]) => edges.map((e) => this.labels.step(this.edges!.label(e))),
          state: (node: number) => this.stateAt(node),
        };
    if (judged === null) return;
    const { graph } = judged;
    const liveness = this.sys.liveness;
    for (let k = 0; k < liveness.length; k++) {
      const [name, p] = liveness[k];
      const lasso = yield* lassoSearch(graph, p.form, 2 << (2 * k), 4 << (2 * k));
      if (!lasso) continue;
      if (lasso.cycle) {
        const why = unfairness(this.cycleStates(graph, lasso), rules, this.sys.actorNames);
        if (why !== null) throw new Error(`internal error: the lasso found for ${name} is not fair: ${why}`);
      }
      const steps = judged.steps([...lasso.prefix, ...(lasso.cycle ?? [])]);
      let message = this.livenessMessage(p, lasso, judged.state(lasso.triggerState));
      const stale = this.sys.memory === 'arm' && lasso.cycle ? staleForever(new Execution(this.sys), steps, lasso.prefix.length) : [];
      if (stale.length > 0) {
        message += `, ${staleForeverText(stale)}`;
        this.lassoNeedsStaleLoad = true;
      }
      const violation: Violation = { property: name, message, steps, cycleStart: lasso.cycle ? lasso.prefix.length : null };
      if (!this.violations.has(name)) this.violations.set(name, violation);
      if (!this.options.allViolations) return;
    }
  }

  /**
   * Under symmetry, the graph the fair-cycle search runs on: the quotient's cover (checker/symmetryCover.ts),
   * its liveness flags judged on each node's concrete state, its steps those of concrete actors; null
   * when the run ends here (a property threw, or the search would not fit in memory).
   */
  private *coverGraph(symmetry: Symmetry, rules: FairnessRules): Generator<void, JudgedGraph | null, void> {
    if (this.store.count === 0) return null; // the initial state failed: there is no graph
    const { width, actorCount } = this.sys.layout;
    const rep = new Int32Array(width);
    const representative = (orbit: number): Int32Array => { this.store.read(orbit, rep); return rep; };
    const concrete = (orbit: number, perm: number, out = new Int32Array(width)): Int32Array => {
      symmetry.imageUnder(representative(orbit), perm, out);
      return out;
    };
    const scratch = new Int32Array(width);
    let threw: { node: number; message: string } | null = null;
    // Flags judged alike on every image are the orbit's (a property that threw on one threw on all, and was reported).
    const alike = symmetry.livenessAlike;
    const cover = yield* coverOf(this.edges!, this.store.count, symmetry, this.initialPerm, representative, (node, orbit, perm) => alike ? this.edges!.flags(orbit) & ~COMPLETE
      : this.livenessFlags(concrete(orbit, perm, scratch), (message) => { threw ??= { node, message }; return true; }));
    this.coverStates = cover.count;
    const state = (node: number) => concrete(cover.orbit(node), cover.perm(node));
    // A cover label's step as the concrete actor takes it: its quotient label's, moved by the label's permutation.
    const moved = (label: number) => {
      const perm = cover.labelPerm(label);
      const { actor, kind, event, choices } = this.labels.parts(cover.quotientLabel(label));
      return { actor: symmetry.actorUnder(perm, actor), kind, event: symmetry.eventUnder(perm, actor, event), choices };
    };
    const moves = new Map<number, Move>();
    const coverMoveOf = (label: number): Move => {
      let m = moves.get(label);
      if (!m) {
        const { actor, event } = moved(label);
        m = { actor, type: this.sys.ns.events.values[event].type };
        moves.set(label, m);
      }
      return m;
    };
    // The step itself, kind and event too: two steps of one actor may reach the same state, and fairness tells them apart.
    const concreteStep = (label: number): Step => {
      const { actor, kind, event, choices } = moved(label);
      const step: Step = { actor: this.sys.actorNames[actor], kind: STEP_KIND_NAMES[kind], event: this.sys.ns.events.values[event] };
      if (choices) step.choices = choices;
      return step;
    };
    const steps = (edges: number[]): Step[] =>
      this.concrete!.along(edges.map((e) => concreteStep(cover.edges.label(e))), edges.map((e) => state(cover.edges.target(e))));
    if (threw !== null) {
      const { node, message } = threw;
      if (!this.report(BUILTIN.modelError, message, steps(coverPath(cover, node)))) return null;
    }
    if (!this.livenessSearchFits(cover.count, ` over the ${cover.count.toLocaleString('en-US')} states of the symmetry reduction's cover`)) return null;
    return { graph: { edges: cover.edges, count: cover.count, actorCount, moveOf: coverMoveOf, rules }, steps, state };
  }

  /** The lasso's cycle as fairness sees it: every step enabled in each state, and the step taken. */
  private cycleStates(graph: LivenessGraph, lasso: Lasso): CycleState[] {
    const { edges, moveOf } = graph;
    const cycle = lasso.cycle!;
    const start = lasso.prefix.length > 0 ? edges.target(lasso.prefix[lasso.prefix.length - 1]) : 0;
    if (edges.target(cycle[cycle.length - 1]) !== start) throw new Error('internal error: a lasso\'s cycle does not return to its start');
    return cycle.map((e, i) => {
      const from = i === 0 ? start : edges.target(cycle[i - 1]);
      const enabled: Move[] = [];
      for (let f = edges.first(from), end = edges.end(from); f < end; f++) enabled.push(moveOf(edges.label(f)));
      return { enabled, taken: moveOf(edges.label(e)) };
    });
  }

  /** The message of a lasso whose obligation began in state `trigger`. */
  private livenessMessage(p: LivenessProperty, lasso: Lasso, trigger: Int32Array): string {
    this.view.v = trigger;
    return livenessMessage(p, triggerText(p, this.view), lasso.triggerStep, lasso.prefix.length, lasso.cycle ? lasso.cycle.length : null);
  }

  /**
   * State `idx` decoded. An approximate store keeps states whole only until they are expanded, so there
   * it is rebuilt by replaying the steps to it (once per liveness violation).
   */
  private stateAt(idx: number): Int32Array {
    if (!(this.store instanceof FrontierStore)) {
      const v = new Int32Array(this.sys.layout.width);
      this.store.read(idx, v);
      return v;
    }
    const exec = new Execution(this.sys);
    let v = exec.initial().state!;
    for (const step of this.pathTo(idx)) v = exec.apply(v, step)!.state!;
    return v;
  }

  /** The state being expanded, for `visitStep`. */
  private expanding = 0;
  /** Takes each step `forEachStep` offers from the state being expanded: one closure, not one per state. */
  private readonly visitStep = (actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean =>
    this.successor(this.expanding, actor, kind, event, t);

  private expand(idx: number): void {
    const { sys, stepper, cur } = this;
    this.expanding = idx;
    // At the depth limit the state's successors are cut off, but the state itself is still judged
    // (deadlock, stall): otherwise a deadlock exactly at the limit would pass as `verified`.
    const atLimit = this.depth >= this.maxDepth;
    if (atLimit) this.cut = true;
    if (this.partialOrder && !atLimit && this.expandReduced(idx)) return;
    const enabled = atLimit
      ? forEachStep(sys, stepper, cur, () => false)
      : forEachStep(sys, stepper, cur, this.visitStep);
    if (enabled > 0 && !atLimit && !this.finished) {
      forEachTimerDueNow(sys, stepper, cur, (actor, event, t) => this.successor(idx, actor, StepKind.Timer, event, t));
    }
    if (enabled > 0 && atLimit) this.depthLimitReached();
    if (enabled > 0 || this.finished) return;

    // Quiescent: only timers, or nothing, can fire.
    let firstTimer: Step | null = null;
    const timers = forEachTimer(sys, stepper, cur, (actor, event) => {
      firstTimer = { actor: sys.actorNames[actor], kind: 'timer', event: sys.ns.events.values[event] };
      return false;
    });
    if (!this.checkQuiescent(idx, firstTimer)) return;
    if (atLimit) {
      // With nothing at all to take, the limit cut nothing: the state's (no) successors are all recorded,
      // so the fair-cycle search judges the run that ends there (it was left unjudged, a wrong `verified`).
      if (timers > 0) this.depthLimitReached(); else this.cut = false;
      return;
    }
    forEachTimer(sys, stepper, cur, (actor, event, t) => this.successor(idx, actor, StepKind.Timer, event, t));
  }

  /**
   * Expands state `idx` by an ample set when one qualifies (checker/partialOrder.ts), then in full if an
   * ample step failed or reached a state stored no later than `idx` (the cycle proviso: every cycle of
   * the reduced graph then has a fully expanded state). False, with nothing
   * taken, for a state with nothing but timers or a timer due now: the full expansion judges it.
   */
  private expandReduced(idx: number): boolean {
    const por = this.partialOrder!;
    // Looking for ample sets costs time (5x on the SPIN ring model, which has none); where the first
    // states tried had none, the rest are expanded in full, as they would be anyway, without looking.
    if (++por.tried > POR_TRIAL && por.reducedStates === 0) {
      this.partialOrder = null;
      // On by default, a reduction that found nothing to reduce says nothing: the search was the unreduced one.
      this.partialOrderNote = this.partialOrderAsked ? `not applied: none of the first ${POR_TRIAL} states expanded had an ample set, so the search went on without looking (${this.partialOrderNote})` : null;
      return false;
    }
    const steps = por.steps;
    steps.n = 0;
    forEachStep(this.sys, this.stepper, this.cur, steps.push);
    if (steps.n === 0 || this.sys.clock.someDueNow(this.cur)) return false;
    const ample = por.ample(this.cur);
    this.revisited = false;
    const failed = this.failedSteps;
    // A run stopped inside the ample set (its first violation) took only the ample steps, in another
    // order than the full expansion's: the state counts as reduced, so the search again reports the
    // unreduced search's own first violation.
    if (!this.takeSteps(idx, ample, 0)) { if (ample !== null) por.reducedStates++; return true; }
    if (ample === null) return true;
    if (!this.revisited && this.failedSteps === failed) {
      por.reducedStates++;
      if (this.edges) this.recordDeferred(ample);
      return true;
    }
    this.takeSteps(idx, ample, 1);
    return true;
  }

  /**
   * With liveness properties, the steps an ample set deferred are recorded as edges that lead nowhere,
   * as a failed step's are: fairness judges the reduced graph's cycles by which actors are enabled in
   * their states, and these are (an offered step is enabled: the reduction applies only where reads
   * never branch, so every step offered is taken when expanded in full).
   */
  private recordDeferred(ample: Uint8Array): void {
    const steps = this.partialOrder!.steps;
    for (let i = 0; i < steps.n; i++) {
      if (ample[i] === 0) this.edges!.add(-1, this.labels.label(steps.actor[i], steps.kind[i], steps.event[i], NO_CHOICES));
    }
  }

  /** Takes the listed steps not marked `skip` in `ample` (all of them without it); false once the run stops. */
  private takeSteps(idx: number, ample: Uint8Array | null, skip: number): boolean {
    const steps = this.partialOrder!.steps;
    for (let i = 0; i < steps.n; i++) {
      if (ample !== null && ample[i] === skip) continue;
      if (!this.successor(idx, steps.actor[i], steps.kind[i], steps.event[i], steps.t[i]) || this.finished) return false;
    }
    return true;
  }

  private depthLimitReached(): void {
    this.addBound('maxDepth', `depth limit of ${this.maxDepth} steps reached with states still to expand`);
  }

  /** Stall and deadlock judgements at a quiescent state; returns false when the run should stop. */
  private checkQuiescent(idx: number, firstTimer: Step | null): boolean {
    this.view.v = this.cur;
    for (const j of judgeQuiescent(this.sys, this.view, firstTimer)) {
      if (this.concrete) {
        const { steps, state } = this.concrete.to(idx);
        const again = this.concrete.quiescent(state, j.property);
        if (again?.firstTimer) steps.push(again.firstTimer);
        if (!this.report(j.property, again?.message ?? j.message, steps)) return false;
        continue;
      }
      // The counterexample of a stall ends with the watchdog firing, when there is one: the run has given up.
      const steps = this.pathTo(idx);
      if (firstTimer && !j.threw) steps.push(firstTimer);
      if (!this.report(j.property, j.message, steps)) return false;
    }
    return true;
  }

  /** Takes one step from the state being expanded, once per combination of its load choices. */
  private successor(idx: number, actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean {
    const choices = this.stepper.choices;
    let script: readonly number[] | null = NO_CHOICES;
    while (script !== null) {
      choices.start(script);
      if (!this.successorFor(idx, actor, kind, event, t)) return false;
      script = choices.advance();
    }
    return true;
  }

  private successorFor(idx: number, actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean {
    const { next, stepper, cur } = this;
    if ((kind === StepKind.Spontaneous || kind === StepKind.Deliver) && this.coverage === null) {
      // Most steps are a plain delta: applied to the state being expanded and taken back afterwards
      // (not when coverage is counted: it observes each step through the general stepper).
      const n = kind === StepKind.Spontaneous ? stepper.applyInPlace(cur, actor, t!) : stepper.deliverInPlace(cur, actor, t);
      if (kind === StepKind.Deliver) t = stepper.lookedUp;
      if (n >= 0) {
        this.transitions++;
        const go = this.reached(idx, cur, this.labels.label(actor, kind, event, stepper.choices.taken), n);
        stepper.undo(cur, n);
        return go;
      }
    }
    for (let i = 0; i < cur.length; i++) next[i] = cur[i]; // a loop beats TypedArray.set at this size
    this.transitions++;
    const coverage = this.coverage;
    if (coverage) coverage.source = idx;
    const r = takeStep(stepper, next, actor, kind, event, t, coverage);
    if (r === Outcome.Disabled) return true;
    if (r !== Outcome.Ok) this.failedSteps++;
    const label = this.labels.label(actor, kind, event, stepper.choices.taken);
    // A step that ends in a violation or a bound leads nowhere, but its actor was enabled (fairness).
    if (r !== Outcome.Ok) this.edges?.add(-1, label);
    if (r === Outcome.Violation && this.concrete) {
      const { steps, state } = this.concrete.to(idx);
      const last = this.concrete.violatingStep(state, stepper.violationProperty);
      if (last === null) throw new Error(`internal error: symmetry reduction: the step violating ${stepper.violationProperty} has no counterpart in the concrete state`);
      steps.push(last.step);
      return this.report(stepper.violationProperty, last.message, steps);
    }
    if (r === Outcome.Violation) {
      const steps = this.pathTo(idx);
      steps.push(this.labels.step(label));
      return this.report(stepper.violationProperty, stepper.violationMessage, steps);
    }
    if (r === Outcome.Bound) { this.addBound(stepper.boundKind, stepper.boundReason); this.cut = true; return true; }
    return this.reached(idx, next, label, -1);
  }

  /**
   * The step `label` from state `idx` reached `v`: stored, and judged if new; false when the run should
   * stop. `changed` is the length of the stepper's undo log when `v` is `idx` changed in place, else -1.
   */
  private reached(idx: number, v: Int32Array, label: number, changed: number): boolean {
    const store = this.store;
    const mayAdd = store.count < this.maxStates;
    const concrete = v;
    if (this.symmetry) { this.symmetry.canonical(v, this.canon); v = this.canon; changed = -1; }
    const added = changed < 0 ? store.add(v, idx, label, mayAdd) : store.addChanged(v, this.stepper.undoLog, changed, idx, label, mayAdd);
    if (added === -1) {
      this.cut = true;
      if (store.full !== null) this.stop('memory', store.full);
      else this.bound('maxStates', `state limit of ${this.maxStates} reached`);
      return false;
    }
    this.edges?.add(added, label, this.symmetry ? this.symmetry.lastPermutation : 0);
    if (!store.wasNew) {
      // The cycle proviso needs only the successors stored no later than `idx`: a cycle of the reduced
      // graph has one such edge (indices cannot rise all the way round). An approximate store's index may
      // be another state's, so there any revisit counts.
      if (added <= idx || store instanceof FrontierStore) this.revisited = true;
      return true;
    }
    if (this.symmetry) { this.symmetry.countRepresentative(); this.symmetry.auditProperties(v, concrete); }
    this.coverage?.countState(v);
    if (this.depth + 1 > this.deepest) this.deepest = this.depth + 1;
    return this.checkInvariants(v, added);
  }
}

/** Explores `system` exhaustively (within the bounds given) and returns the verdict. */
export function explore(system: SystemDefinition | CompiledSystem, options: ExploreOptions = {}): CheckResult {
  let run: Exploration | null = new Exploration(system, options);
  run.runSlice();
  const { sys } = run;
  const reduced = run.result();
  const again = shortestAgainOptions(reduced, options, sys.liveness.length > 0);
  if (again === null) return reduced;
  run = null; // its store is not needed again: let it go before the search again fills one
  const rerun = new Exploration(againOn(system, sys), again.options);
  rerun.runSlice();
  return withShortest(reduced, rerun.result(), again.depth);
}

/** As `explore`, yielding to the event loop between slices for progress reports and cancellation. */
export async function exploreAsync(system: SystemDefinition | CompiledSystem, options: AsyncExploreOptions = {}): Promise<CheckResult> {
  return options.threads ? exploreParallel(system, options, exploreOneThread) : exploreOneThread(system, options);
}

async function exploreOneThread(system: SystemDefinition | CompiledSystem, options: AsyncExploreOptions): Promise<CheckResult> {
  const { sys, result: reduced } = await runSliced(new Exploration(system, options), options);
  const again = shortestAgainOptions(reduced, options, sys.liveness.length > 0);
  if (again === null || options.signal?.aborted) return reduced;
  return withShortest(reduced, (await runSliced(new Exploration(againOn(system, sys), again.options), options)).result, again.depth);
}

/**
 * What the search again runs on: a definition compiled afresh, so that its memo fills in the unreduced
 * search's own order (the purity audit samples transitions by that order, and a modelError it finds
 * may depend on it), or the compiled system the caller gave.
 */
function againOn(system: SystemDefinition | CompiledSystem, sys: CompiledSystem): SystemDefinition | CompiledSystem {
  return isCompiledSystem(system) ? sys : system;
}

async function runSliced(run: Exploration, options: AsyncExploreOptions): Promise<{ sys: CompiledSystem; result: CheckResult }> {
  const interval = options.progressIntervalMs ?? 1000;
  let lastProgress = performance.now();
  while (!run.done) {
    if (options.signal?.aborted) { run.stop('interrupted', 'stopped by the user'); break; }
    run.runSlice(50);
    if (options.onProgress && performance.now() - lastProgress >= interval) {
      lastProgress = performance.now();
      options.onProgress(run.progress());
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { sys: run.sys, result: run.result() };
}
