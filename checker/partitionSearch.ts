// One thread's share of a parallel breadth-first search (checker/parallelSearch.ts): the states whose
// store hash picks this thread. The threads give ids alike (checker/sharedKeys.ts), so a state is packed
// alike in each: the thread that reaches a state packs it (patching its parent's packing, as the
// sequential explorer does) and hashes it, and its top bits pick the owner. A successor this thread owns
// is looked up in its own store; one another thread owns is queued for it as packed, with its hash, and
// sent in batches, which the owner looks up as they are. Levels are synchronised by the coordinator, so every state of depth
// d is stored (and judged) before any of depth d + 1 is expanded: the search is BFS as a whole, the
// states stored are exactly the sequential explorer's, and a violation found in the level that first
// has one is as short as any. The expansion and the judgements follow the explorer's (checker/explorer.ts)
// for the safety properties: invariants, failing steps, deadlocks and stalls.
import type { CompiledSystem } from './compile.ts';
import { VectorView } from './globalView.ts';
import type { LocalTransition } from './localTransition.ts';
import { BUILTIN, judgedTrue, violationMessage } from './properties.ts';
import { judgeQuiescent } from './quiescence.ts';
import type { Bound, BoundKind, Step } from './result.ts';
import { StateStore } from './stateStore.ts';
import { memoryExhausted } from './memoryExhausted.ts';
import { StepLabels } from './stepLabels.ts';
import { NO_CHOICES } from './choiceScript.ts';
import { forEachStep, forEachTimer, forEachTimerDueNow, initialState, Outcome, Stepper, StepKind, takeStep } from './stepper.ts';
import { SharedKeys } from './sharedKeys.ts';

/**
 * Slots of the shared Int32Array every thread and the coordinator see: why to stop, the states stored
 * (kept only under a state limit), and each thread's count for progress reports (a cache line apart).
 */
export const SHARED = { stop: 0, states: 1, length: (threads: number) => 16 * (threads + 1), progress: (thread: number) => 16 * (thread + 1) } as const;
/** Why the search was asked to stop (the `stop` slot); 0 while it runs. */
export const STOP_CODES: BoundKind[] = ['interrupted', 'interrupted', 'timeLimit', 'memory', 'maxStates'];
export const stopCode = (kind: BoundKind) => Math.max(1, STOP_CODES.indexOf(kind));

/** Int32s per batch sent to another thread: records of [parent, step label, hash, words, packed words...]. */
const BATCH = 1 << 15;
const RECORD_HEADER = 4;
const ROOT = -1;

/** A violation found here: at the state stored at `idx`, then `last` (the failing step, or a stall's watchdog); `length`: the steps to where it shows (test/reference/replay.ts). */
export interface FoundViolation {
  property: string;
  message: string;
  idx: number;
  last: Step | null;
  length: number;
}

export interface PartitionOptions {
  maxStates: number;
  maxDepth: number;
  maxMemoryBytes?: number;
}

/** What a thread's share of a level came to. */
export interface LevelReport {
  violations: FoundViolation[];
  bounds: Bound[];
  states: number;
  transitions: number;
  /** States stored for the next level. */
  queued: number;
  /** The level ended early: the stop slot was set. */
  stopped: boolean;
  /** Reachability goals first reached here in this level: [goal index, state index, steps to it]. */
  goals: [number, number, number][];
}

export class PartitionSearch {
  private readonly stepper: Stepper;
  readonly store: StateStore;
  private readonly keys: SharedKeys;
  private readonly view: VectorView;
  private readonly cur: Int32Array;
  private readonly next: Int32Array;
  private readonly incoming: Int32Array;
  private readonly violations = new Map<string, FoundViolation>();
  /** Per reachability goal: reached here yet. */
  private readonly reachedGoals: boolean[];
  private goalsReached = 0;
  private newGoals: [number, number, number][] = [];
  private readonly bounds = new Map<BoundKind, Bound>();
  private readonly outbox: Int32Array[];
  /** Int32s and records queued in each outbox. */
  private readonly outFill: number[];
  private readonly outCount: number[];
  /** Buffers of batches sent and given back, for the next batches. */
  private readonly spare: Int32Array[] = [];
  private readonly labels: StepLabels;
  /** The current level's states: [levelStart, levelEnd) of the store. */
  private levelStart = 0;
  private levelEnd = 0;
  private cursor = 0;
  private depth = 0;
  private tick = 0;
  transitions = 0;
  private expanding = 0;

  constructor(
    readonly sys: CompiledSystem,
    readonly thread: number,
    private readonly threads: number,
    private readonly shared: Int32Array,
    private readonly options: PartitionOptions,
    /** The threads' log of interned keys (checker/sharedKeys.ts). */
    keyLog: SharedArrayBuffer,
    /** Sends a batch of records (`count` of them) to thread `to`. */
    private readonly send: (to: number, records: Int32Array, count: number) => void,
  ) {
    const { layout } = sys;
    this.stepper = new Stepper(sys);
    this.labels = new StepLabels(sys);
    const regions = Int32Array.from([...layout.queueBase, ...this.stepper.memory.regions]);
    this.store = new StateStore({ fixedWidth: layout.fixedWidth, queueBase: regions, width: layout.width });
    this.keys = new SharedKeys(keyLog, [
      ...sys.actors.map((a) => ({ name: `local states of ${a.name}`, table: a.states.table, rebuild: (key: string) => a.states.rebuild(key) })),
      { name: 'cell values', table: sys.ns.values, rebuild: (key: string) => JSON.parse(key) },
      { name: 'events', table: sys.ns.events, rebuild: (key: string) => JSON.parse(key) },
    ]);
    this.keys.attach();
    this.view = new VectorView(sys);
    this.cur = new Int32Array(layout.width);
    this.next = new Int32Array(layout.width);
    this.incoming = new Int32Array(layout.width);
    this.outbox = Array.from({ length: threads }, () => new Int32Array(BATCH));
    this.outFill = new Array<number>(threads).fill(0);
    this.outCount = new Array<number>(threads).fill(0);
    this.reachedGoals = sys.goals.map(() => false);
  }

  /** Which thread owns the state of store hash `h`: its top bits, which the store's table slots (its low bits) do not depend on. */
  private ownerOf(h: number): number {
    return Math.floor(((h >>> 0) / 4294967296) * this.threads);
  }

  /** The initial state, stored here if this thread owns it; a violation or a bound there ends the search at once. */
  start(): { violation: { property: string; message: string } | null; bound: Bound | null } {
    const r = initialState(this.sys, this.stepper, this.cur, null);
    if (r === Outcome.Violation) return { violation: { property: this.stepper.violationProperty, message: this.stepper.violationMessage }, bound: null };
    if (r === Outcome.Bound) return { violation: null, bound: { kind: this.stepper.boundKind, detail: this.stepper.boundReason } };
    const n = this.store.pack(this.cur);
    if (this.ownerOf(this.store.packedHash) === this.thread) {
      this.store.addPacked(n, this.store.packedHash, ROOT, ROOT);
      if (this.options.maxStates !== Infinity) Atomics.add(this.shared, SHARED.states, 1);
      this.checkInvariants(this.cur, 0);
    }
    return { violation: null, bound: null };
  }

  /** Starts level `depth`: the states stored since the last level began. */
  beginLevel(depth: number): void {
    this.depth = depth;
    this.levelStart = this.levelEnd;
    this.levelEnd = this.store.count;
    this.cursor = this.levelStart;
    this.keys.sync();
  }

  /** Expands the level's states for up to `sliceMs`; returns whether the level is expanded (or stopped). */
  expandSlice(sliceMs: number): boolean {
    const until = performance.now() + sliceMs;
    const { store, cur } = this;
    let tick = this.tick;
    while (this.cursor < this.levelEnd) {
      if (Atomics.load(this.shared, SHARED.stop) !== 0) break;
      if ((++tick & 4095) === 0 && this.memoryExhausted()) break;
      if ((tick & 255) === 0) {
        Atomics.store(this.shared, SHARED.progress(this.thread), store.count);
        if (performance.now() >= until) { this.tick = tick; return false; }
      }
      store.readForSuccessors(this.cursor, cur);
      this.expand(this.cursor);
      this.cursor++;
    }
    this.tick = tick;
    for (let to = 0; to < this.threads; to++) this.flush(to);
    return true;
  }

  /** Takes back the buffer of a batch sent (its records taken), to fill again. */
  recycle(records: Int32Array): void {
    if (records.length === BATCH) this.spare.push(records);
  }

  /** Stores a batch from thread `from`: the states this thread does not have yet are judged, for the next level. */
  receive(from: number, records: Int32Array, count: number): void {
    this.keys.sync();
    const packed = this.store.packed;
    for (let r = 0, at = 0; r < count; r++) {
      const n = records[at + 3];
      for (let i = 0; i < n; i++) packed[i] = records[at + RECORD_HEADER + i];
      if (!this.store_(n, records[at + 2], records[at] * this.threads + from, records[at + 1], null)) return;
      at += RECORD_HEADER + n;
    }
  }

  /** The level's report; its violations (with the initial state's, for level 0) are then cleared. */
  report(stopped: boolean): LevelReport {
    const violations = [...this.violations.values()];
    this.violations.clear();
    const goals = this.newGoals;
    this.newGoals = [];
    return {
      goals, violations, bounds: [...this.bounds.values()], states: this.store.count, transitions: this.transitions,
      queued: this.store.count - this.levelEnd, stopped,
    };
  }

  get eventsSynchronized(): boolean { return this.stepper.eventsSynchronized; }
  get timersSynchronized(): boolean { return this.stepper.timersSynchronized; }

  /**
   * The steps to state `idx` as far back as this thread holds them, first `label` (a step of this
   * thread's, into a state of another's) when given; `next` is where the path goes on, in another thread.
   */
  pathBack(idx: number, label: number | null): { steps: Step[]; next: { thread: number; idx: number; label: number } | null } {
    const steps: Step[] = [];
    if (label !== null) steps.push(this.labels.step(label));
    for (let i = idx; ;) {
      const parent = this.store.parentOf(i);
      if (parent === ROOT) return { steps, next: null };
      const step = this.store.stepOf(i);
      const owner = parent % this.threads, at = (parent - owner) / this.threads;
      if (owner !== this.thread) return { steps, next: { thread: owner, idx: at, label: step } };
      steps.push(this.labels.step(step));
      i = at;
    }
  }

  private stop(kind: BoundKind, detail: string): void {
    if (!this.bounds.has(kind)) this.bounds.set(kind, { kind, detail });
    Atomics.compareExchange(this.shared, SHARED.stop, 0, stopCode(kind));
  }

  private memoryExhausted(): boolean {
    const why = memoryExhausted(this.options.maxMemoryBytes, ' of a search thread');
    if (why !== null) this.stop('memory', why);
    return why !== null;
  }

  private found(property: string, message: string, idx: number, last: Step | null, length: number): void {
    const had = this.violations.get(property);
    if (!had || length < had.length) this.violations.set(property, { property, message, idx, last, length });
  }

  private flush(to: number): void {
    const n = this.outCount[to];
    if (n === 0) return;
    this.send(to, this.outbox[to], n);
    this.outbox[to] = this.spare.pop() ?? new Int32Array(BATCH);
    this.outFill[to] = 0;
    this.outCount[to] = 0;
  }

  /** Judges the state `v`, new at `idx`: reachability goals, then invariants. */
  private checkInvariants(v: Int32Array, idx: number): void {
    // The state stored at idx is one level deeper than the states being expanded (the initial state: 0).
    const length = idx === 0 && this.store.parentOf(0) === ROOT ? 0 : this.depth + 1;
    if (this.goalsReached < this.sys.goals.length) this.checkGoals(v, idx, length);
    const invariants = this.sys.invariants;
    if (invariants.length === 0) return;
    this.view.v = v;
    for (let i = 0; i < invariants.length; i++) {
      const [name, p] = invariants[i];
      let msg: string | null;
      try {
        msg = violationMessage(p.holds(this.view), `invariant ${name} does not hold`);
      } catch (e) {
        this.found(BUILTIN.modelError, `invariant ${name} threw: ${e instanceof Error ? e.message : String(e)}`, idx, null, length);
        continue;
      }
      if (msg !== null) this.found(name, msg, idx, null, length);
    }
  }

  private checkGoals(v: Int32Array, idx: number, length: number): void {
    this.view.v = v;
    const { goals } = this.sys;
    for (let g = 0; g < goals.length; g++) {
      if (this.reachedGoals[g]) continue;
      const [name, p] = goals[g];
      let reached: boolean;
      try {
        reached = judgedTrue(p.goal(this.view));
      } catch (e) {
        this.found(BUILTIN.modelError, `reachability goal ${name} threw: ${e instanceof Error ? e.message : String(e)}`, idx, null, length);
        continue;
      }
      if (!reached) continue;
      this.reachedGoals[g] = true;
      this.goalsReached++;
      this.newGoals.push([g, idx, length]);
    }
  }

  private readonly visitStep = (actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean =>
    this.successor(this.expanding, actor, kind, event, t);

  private expand(idx: number): void {
    const { sys, stepper, cur } = this;
    this.expanding = idx;
    const atLimit = this.depth >= this.options.maxDepth;
    const enabled = atLimit ? forEachStep(sys, stepper, cur, () => false) : forEachStep(sys, stepper, cur, this.visitStep);
    if (enabled > 0 && !atLimit) forEachTimerDueNow(sys, stepper, cur, (actor, event, t) => this.successor(idx, actor, StepKind.Timer, event, t));
    if (enabled > 0 && atLimit) this.depthLimitReached();
    if (enabled > 0) return;
    let firstTimer: Step | null = null;
    const timers = forEachTimer(sys, stepper, cur, (actor, event) => {
      firstTimer = { actor: sys.actorNames[actor], kind: 'timer', event: sys.ns.events.values[event] };
      return false;
    });
    this.view.v = cur;
    for (const j of judgeQuiescent(sys, this.view, firstTimer)) {
      // The counterexample of a stall ends with the watchdog firing, when there is one; it shows at this state.
      const last = firstTimer && !j.threw ? firstTimer : null;
      this.found(j.property, j.message, idx, last, this.depth);
    }
    if (atLimit) {
      if (timers > 0) this.depthLimitReached();
      return;
    }
    forEachTimer(sys, stepper, cur, (actor, event, t) => this.successor(idx, actor, StepKind.Timer, event, t));
  }

  private depthLimitReached(): void {
    if (!this.bounds.has('maxDepth')) this.bounds.set('maxDepth', { kind: 'maxDepth', detail: `depth limit of ${this.options.maxDepth} steps reached with states still to expand` });
  }

  private successor(idx: number, actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean {
    const choices = this.stepper.choices;
    let script: readonly number[] | null = NO_CHOICES;
    while (script !== null) {
      choices.start(script);
      this.successorFor(idx, actor, kind, event, t);
      script = choices.advance();
    }
    return true;
  }

  private successorFor(idx: number, actor: number, kind: StepKind, event: number, t: LocalTransition | null): void {
    const { next, stepper, cur } = this;
    if (kind === StepKind.Spontaneous || kind === StepKind.Deliver) {
      const n = kind === StepKind.Spontaneous ? stepper.applyInPlace(cur, actor, t!) : stepper.deliverInPlace(cur, actor, t);
      if (n >= 0) {
        this.transitions++;
        const label = this.labels.label(actor, kind, event, stepper.choices.taken);
        // Packed from the expanded state's packing, patched (StateStore.addChanged).
        this.reached(idx, this.store.packChanged(cur, stepper.undoLog, n), cur, label);
        stepper.undo(cur, n);
        return;
      }
    }
    for (let i = 0; i < cur.length; i++) next[i] = cur[i];
    this.transitions++;
    const r = takeStep(stepper, next, actor, kind, event, t, null);
    if (r === Outcome.Disabled) return;
    const label = this.labels.label(actor, kind, event, stepper.choices.taken);
    if (r === Outcome.Violation) {
      this.found(stepper.violationProperty, stepper.violationMessage, idx, this.labels.step(label), this.depth + 1);
      return;
    }
    if (r === Outcome.Bound) {
      if (!this.bounds.has(stepper.boundKind)) this.bounds.set(stepper.boundKind, { kind: stepper.boundKind, detail: stepper.boundReason });
      return;
    }
    this.reached(idx, this.store.pack(next), next, label);
  }

  /** The step `label` from state `idx` reached `v`, packed in the store's `packed` (`n` words): stored here, or queued for its owner. */
  private reached(idx: number, n: number, v: Int32Array, label: number): void {
    const h = this.store.packedHash;
    const owner = this.ownerOf(h);
    if (owner === this.thread) {
      this.store_(n, h, idx * this.threads + this.thread, label, v);
      return;
    }
    if (this.outFill[owner] + RECORD_HEADER + n > BATCH) this.flush(owner);
    const records = this.outbox[owner];
    const packed = this.store.packed;
    const at = this.outFill[owner];
    records[at] = idx;
    records[at + 1] = label;
    records[at + 2] = h;
    records[at + 3] = n;
    for (let i = 0; i < n; i++) records[at + RECORD_HEADER + i] = packed[i];
    this.outFill[owner] = at + RECORD_HEADER + n;
    this.outCount[owner]++;
  }

  /**
   * Stores the state packed in the store's `packed` (`n` words, hash `h`), reached from the state
   * `parent` names (a thread-tagged index), and judges it if new: as `v`, or decoded when null. False
   * once the store may take no more.
   */
  private store_(n: number, h: number, parent: number, label: number, v: Int32Array | null): boolean {
    const store = this.store;
    // The shared count is kept only under a state limit: unlimited, the threads share no cache line per state.
    const limited = this.options.maxStates !== Infinity;
    const mayAdd = !limited || Atomics.load(this.shared, SHARED.states) < this.options.maxStates;
    const added = store.addPacked(n, h, parent, label, mayAdd);
    if (added === -1) {
      if (store.full !== null) this.stop('memory', store.full);
      else this.stop('maxStates', `state limit of ${this.options.maxStates} reached`);
      return false;
    }
    if (!store.wasNew) return true;
    if (limited) Atomics.add(this.shared, SHARED.states, 1);
    if (this.sys.invariants.length > 0 || this.goalsReached < this.sys.goals.length) {
      if (v === null) store.read(added, (v = this.incoming));
      this.checkInvariants(v, added);
    }
    return true;
  }
}
