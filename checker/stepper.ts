// The step semantics (README, "Step semantics") applied to packed global state vectors.
import type { CompiledSystem } from './compile.ts';
import { withRoom } from './chunkArrays.ts';
import { EffectKind } from './localTransition.ts';
import { FenceKind } from './memoryModel.ts';
import type { Effect, LocalTransition } from './localTransition.ts';
import { createMemoryModel } from './memoryModel.ts';
import type { MemoryModel } from './memoryModel.ts';
import { rmwResult } from './memoryVocabulary.ts';
import { BUILTIN } from './properties.ts';
import type { BoundKind } from './result.ts';
import { ChoiceScript } from './choiceScript.ts';

/** `Disabled`: under the choices taken, the step's event is not accepted (no such step). */
export enum Outcome { Ok, Violation, Bound, Disabled }

export enum StepKind { Deliver, Spontaneous, Timer, Flush }
export const STEP_KIND_NAMES = ['deliver', 'spontaneous', 'timer', 'flush'] as const;
export type StepKindName = (typeof STEP_KIND_NAMES)[number];

/** How an event reached an actor inside a step. */
export type Via = Exclude<StepKindName, 'flush'> | 'call' | 'reply' | 'init' | 'load' | 'rmw';

/** What a step did to memory beyond plain stores (recorded in traces). */
export type MemoryEvent =
  | { what: 'load'; cell: number; value: number; acquire: boolean; forwarded: boolean }
  | { what: 'fence'; fence: number }
  | { what: 'rmw'; cell: number; op: string; old: number; stored: boolean }
  | { what: 'flush'; cell: number; value: number };

/** Sees everything a step does; used to record traces, never on the exploration hot path. */
export interface StepObserver {
  event(actor: number, event: number, readTuple: number, via: Via): void;
  transition(actor: number, from: number, to: number): void;
  effect(actor: number, effect: Effect): void;
  memory?(actor: number, happened: MemoryEvent): void;
  /**
   * A load of `cell` (a `reads` cell's, an explicit load's, or the load of a read-modify-write) returned
   * value id `value` while memory's latest value of the cell was `latest` (the same when the load was
   * forwarded from the actor's own store buffer): checker/staleReads.ts tells stale loads by it.
   */
  loaded?(actor: number, cell: number, value: number, latest: number): void;
}

/** Events one step may hand to actors (the root event, calls, replies) before it counts as a cycle. */
const MAX_EVENTS_PER_STEP = 256;
const NO_CALLER = -1;
const DELTA_WRITE = 0;
const DELTA_POST = 1;
const VIAS: Via[] = ['deliver', 'spontaneous', 'timer', 'call', 'reply', 'init', 'load', 'rmw'];

export class Stepper {
  violationProperty = '';
  violationMessage = '';
  boundReason = '';
  boundKind: BoundKind = 'queueCapacity';
  private readonly cellBase: number;
  readonly memory: MemoryModel;
  /** The choices (which value each branching load returns) of the step being taken. */
  readonly choices = new ChoiceScript();
  private readonly readScratch: Int32Array;
  private readonly replyEvents = new Map<string, number>();
  /** Under tso and arm, events between actors synchronize: see README, "Memory models". */
  private readonly weak: boolean;
  // XState's mailbox order, within one step: an event for an actor that is still handling one waits in
  // that actor's mailbox until it finishes (so a reply reaches a caller after the caller's remaining
  // actions). An actor is never re-entered, so nesting is bounded by the number of actors.
  private readonly busy: Uint8Array;
  /** Per actor: queued [event, via index, caller] triples. */
  private readonly mailbox: number[][];
  private handled = 0;
  /** Some event drained a non-empty store buffer or let its receiver see more (EVENT_SYNC_CAVEAT). */
  eventsSynchronized = false;
  /** Some timer let its actor see more (TIMER_SYNC_CAVEAT). */
  timersSynchronized = false;
  private readonly flushCells = new Map<number, number>();

  constructor(readonly sys: CompiledSystem) {
    this.cellBase = sys.layout.cellBase;
    this.memory = createMemoryModel(sys.memory, sys.layout, sys.memorySettings, (v, a) => sys.actors[a].states.snapshot(v[a]).status === 'done', sys.loadable);
    this.readScratch = new Int32Array(sys.layout.width);
    this.weak = sys.memory !== 'sc';
    this.busy = new Uint8Array(sys.layout.actorCount);
    this.mailbox = sys.actorNames.map(() => []);
    sys.flushEvents.forEach((event, cell) => this.flushCells.set(event, cell));
  }

  /** The cell a flush event names. */
  flushCell(event: number): number {
    return this.flushCells.get(event)!;
  }

  /**
   * The local transition `actor` would take on `event` in `v`. When its `reads` may return several
   * values (ARM), the first accepting one over every combination (so enabledness is exact); the step
   * itself then branches over all of them.
   */
  lookup(v: Int32Array, actor: number, event: number): LocalTransition {
    const logic = this.sys.actors[actor];
    if (!this.branchingReads(actor)) return logic.lookup(v[actor], event, logic.readTuple(this.pureReads(v, actor), this.cellBase));
    const cells = logic.readCells;
    const options = cells.map((c) => this.memory.loadValues(v, actor, c, false));
    const pick = new Array<number>(cells.length).fill(0);
    const scratch = this.readScratch;
    for (;;) {
      for (let i = 0; i < cells.length; i++) scratch[this.cellBase + cells[i]] = options[i][pick[i]];
      const t = logic.lookup(v[actor], event, logic.readTuple(scratch, this.cellBase));
      let i = cells.length - 1;
      while (i >= 0 && pick[i] + 1 >= options[i].length) pick[i--] = 0;
      if (t.accepts || i < 0) return t;
      pick[i]++;
    }
  }

  branchingReads(actor: number): boolean {
    return this.memory.branching && this.sys.actors[actor].readCells.length > 0;
  }

  /** The vector an actor's deterministic `reads` are taken from (its own buffered stores overlaid). */
  pureReads(v: Int32Array, actor: number): Int32Array {
    if (this.sys.memory === 'sc') return v;
    const scratch = this.readScratch;
    for (const c of this.sys.actors[actor].readCells) scratch[this.cellBase + c] = this.memory.loadValues(v, actor, c, false)[0];
    return scratch;
  }

  /** Commits `actor`'s oldest buffered store to `cell` (a flush step). */
  flush(v: Int32Array, actor: number, cell: number, obs: StepObserver | null): Outcome {
    this.beginStep();
    const value = this.memory.flush(v, actor, cell);
    if (value < 0) return this.memoryBound();
    if (obs?.memory) obs.memory(actor, { what: 'flush', cell, value });
    return Outcome.Ok;
  }

  /**
   * Takes the head of `actor`'s in-flight FIFO and delivers it. The queue must be non-empty. `known`: the
   * transition already looked up for it (`deliverInPlace`), under sc only.
   */
  deliver(v: Int32Array, actor: number, obs: StepObserver | null, known: LocalTransition | null = null): Outcome {
    const qb = this.sys.layout.queueBase[actor];
    const len = v[qb];
    const event = v[qb + 1];
    for (let i = 1; i < len; i++) v[qb + i] = v[qb + i + 1];
    v[qb + len] = 0;
    v[qb] = len - 1;
    this.beginStep();
    return this.dispatch(v, actor, event, 'deliver', NO_CALLER, known, obs);
  }

  /**
   * The flat form of a transition that only changes the local state, writes cells and posts events
   * (almost every step of a protocol model), under sc: [DELTA_WRITE, field, value | DELTA_POST, queue
   * base, event, capacity]..., applied with no dispatch by `applyDelta`, or in place by `applyInPlace`.
   * Null for anything else (a violation, an error, a state tagged error, calls, replies, timers, loads,
   * two posts to one actor), which takes the general path; so does any step under tso or arm.
   */
  deltaOf(actor: number, t: LocalTransition): Int32Array | null {
    if (t.delta !== undefined) return t.delta;
    t.delta = null;
    if (this.weak || t.violation !== null || t.error !== null || this.sys.actors[actor].states.info[t.next].inError) return null;
    const out: number[] = [];
    const posted = new Set<number>();
    for (const e of t.effects) {
      if (e.kind === EffectKind.Write) out.push(DELTA_WRITE, this.cellBase + e.cell, e.value);
      else if (e.kind === EffectKind.Post && !posted.has(e.to)) {
        posted.add(e.to);
        out.push(DELTA_POST, this.sys.layout.queueBase[e.to], e.event, this.sys.layout.queueCapacity[e.to]);
      } else return null;
    }
    t.delta = Int32Array.from(out);
    return t.delta;
  }

  /**
   * Applies a transition's delta to `actor` in `v` (as `apply` would, effect by effect); false, with `v`
   * untouched, when a post would find its queue full, which the general path then reports.
   */
  applyDelta(v: Int32Array, actor: number, next: number, delta: Int32Array): boolean {
    for (let i = 0; i < delta.length; i += delta[i] === DELTA_POST ? 4 : 3) {
      if (delta[i] === DELTA_POST && v[delta[i + 1]] >= delta[i + 3]) return false;
    }
    v[actor] = next;
    for (let i = 0; i < delta.length;) {
      if (delta[i] === DELTA_WRITE) {
        v[delta[i + 1]] = delta[i + 2];
        i += 3;
      } else {
        const qb = delta[i + 1];
        const len = v[qb];
        v[qb + 1 + len] = delta[i + 2];
        v[qb] = len + 1;
        i += 4;
      }
    }
    return true;
  }

  /** The undo log of `applyInPlace`: [field, old value] pairs. */
  undoLog = new Int32Array(16);

  /**
   * Applies `actor`'s transition `t` to `v` in place by its delta, logging the fields it changes in
   * `undoLog`, so that the caller can look the successor up and then `undo` it instead of copying the
   * whole vector for every successor. Returns the log's length, or -1 with `v` untouched when the step
   * must take the general path (no delta, a full queue). A delta leaves the timers alone, and the state
   * expanded has its timer ranks normalised already (every step ends with `endStep`, whose timer
   * `normalize` is idempotent and whose memory `normalize` does nothing under sc, where deltas apply),
   * so nothing is left to settle. The log is appended to from entry `from`.
   */
  applyInPlace(v: Int32Array, actor: number, t: LocalTransition, from = 0): number {
    const delta = this.deltaOf(actor, t);
    if (delta === null) return -1;
    for (let i = 0; i < delta.length; i += delta[i] === DELTA_POST ? 4 : 3) {
      if (delta[i] === DELTA_POST && v[delta[i + 1]] >= delta[i + 3]) return -1;
    }
    const log = this.logRoom(from + 2 + delta.length * 2);
    let n = from;
    log[n++] = actor;
    log[n++] = v[actor];
    v[actor] = t.next;
    for (let i = 0; i < delta.length;) {
      const at = delta[i + 1];
      if (delta[i] === DELTA_WRITE) {
        log[n++] = at; log[n++] = v[at];
        v[at] = delta[i + 2];
        i += 3;
      } else {
        const len = v[at];
        log[n++] = at + 1 + len; log[n++] = v[at + 1 + len];
        log[n++] = at; log[n++] = len;
        v[at + 1 + len] = delta[i + 2];
        v[at] = len + 1;
        i += 4;
      }
    }
    return n;
  }

  /** The undo log, grown (keeping what it holds) to at least `size` entries. */
  private logRoom(size: number): Int32Array {
    this.undoLog = withRoom(this.undoLog, size);
    return this.undoLog;
  }

  /** The transition the last `deliverInPlace` looked up, or null: the general path takes it from here. */
  lookedUp: LocalTransition | null = null;

  /**
   * Delivers the head of `actor`'s in-flight FIFO in place, as `deliver` would, when the transition it
   * meets has a delta (see `applyInPlace`; under sc only), logging into `undoLog`. Returns the log's
   * length, or -1 with `v` untouched; the transition looked up is then left in `lookedUp` for the
   * general path, so that it is not looked up twice (a lookup counts towards the purity audit).
   * `known`: the transition, final, as `forEachStep` found it for the actor's situation; else it is looked
   * up here, and recorded for the situation once final (ActorLogic.settleDelivered).
   */
  deliverInPlace(v: Int32Array, actor: number, known: LocalTransition | null = null): number {
    this.lookedUp = null;
    // Under tso and arm the receiver first synchronizes (memory.receive), which may change what it reads.
    if (this.weak) return -1;
    const logic = this.sys.actors[actor];
    const qb = this.sys.layout.queueBase[actor];
    const len = v[qb];
    const event = v[qb + 1];
    let t = known;
    if (t === null) {
      const sit = logic.situation(v[actor], v, this.cellBase);
      t = logic.lookup(v[actor], event, logic.situationReads(sit));
      if (t.uses < 0) logic.settleDelivered(sit, event, t);
    }
    this.lookedUp = t;
    if (!t.handled || this.deltaOf(actor, t) === null) return -1;
    const log = this.logRoom(2 * (len + 1));
    for (let i = 0; i <= len; i++) { log[2 * i] = qb + i; log[2 * i + 1] = v[qb + i]; }
    for (let i = 1; i < len; i++) v[qb + i] = v[qb + i + 1];
    v[qb + len] = 0;
    v[qb] = len - 1;
    const n = this.applyInPlace(v, actor, t, 2 * (len + 1));
    if (n < 0) this.undo(v, 2 * (len + 1));
    return n;
  }

  /** Takes back what `applyInPlace` did (its log of length `n`), newest change first. */
  undo(v: Int32Array, n: number): void {
    const log = this.undoLog;
    for (let i = n - 2; i >= 0; i -= 2) v[log[i]] = log[i + 1];
  }

  /** Applies an already looked-up spontaneous or timer transition. */
  fire(v: Int32Array, actor: number, event: number, t: LocalTransition, via: Via, obs: StepObserver | null): Outcome {
    this.beginStep();
    return this.dispatch(v, actor, event, via, NO_CALLER, t, obs);
  }

  /** Applies effects that happen outside any transition (initial entry actions). */
  applyEffects(v: Int32Array, actor: number, effects: Effect[], obs: StepObserver | null): Outcome {
    this.beginStep();
    this.busy[actor] = 1;
    let r = Outcome.Ok;
    for (let i = 0; i < effects.length && r === Outcome.Ok; i++) r = this.applyEffect(v, actor, NO_CALLER, effects[i], obs);
    if (r === Outcome.Ok) r = this.drain(v, actor, obs);
    this.busy[actor] = 0;
    return r;
  }

  // A step that ends normally leaves no actor busy and every mailbox empty; only one cut short by a
  // violation or a bound leaves state behind, so only then is there anything to clear.
  private unsettled = false;

  private beginStep(): void {
    this.handled = 0;
    if (!this.unsettled) return;
    this.busy.fill(0);
    for (const box of this.mailbox) box.length = 0;
    this.unsettled = false;
  }

  /** Hands `event` to `actor`: handled now, or queued if the actor is still handling another. */
  private dispatch(v: Int32Array, actor: number, event: number, via: Via, caller: number, t: LocalTransition | null, obs: StepObserver | null): Outcome {
    if (this.busy[actor]) {
      this.mailbox[actor].push(event, VIAS.indexOf(via), caller);
      return Outcome.Ok;
    }
    this.busy[actor] = 1;
    let r = this.handle(v, actor, event, via, caller, t, obs);
    if (r === Outcome.Ok) r = this.drain(v, actor, obs);
    this.busy[actor] = 0;
    return r;
  }

  /** Handles what queued up for `actor` while it was busy, in order. */
  private drain(v: Int32Array, actor: number, obs: StepObserver | null): Outcome {
    const box = this.mailbox[actor];
    let r = Outcome.Ok;
    while (r === Outcome.Ok && box.length > 0) {
      const [event, via, caller] = box.splice(0, 3);
      r = this.handle(v, actor, event, VIAS[via], caller, null, obs);
    }
    return r;
  }

  /** The read tuple of the event `actor` handles now: under ARM its `reads` are loads that branch. */
  private readTupleOf(v: Int32Array, actor: number, obs: StepObserver | null): number {
    const logic = this.sys.actors[actor];
    if (!this.branchingReads(actor)) return logic.readTuple(this.pureReads(v, actor), this.cellBase);
    const scratch = this.readScratch;
    for (const c of logic.readCells) {
      const n = this.memory.loadValues(v, actor, c, false).length;
      const latest = v[this.cellBase + c];
      scratch[this.cellBase + c] = this.memory.load(v, actor, c, false, this.choices.choose(n));
      this.observeLoad(obs, actor, c, scratch[this.cellBase + c], latest);
    }
    return logic.readTuple(scratch, this.cellBase);
  }

  private observeLoad(obs: StepObserver | null, actor: number, cell: number, value: number, latest: number): void {
    obs?.loaded?.(actor, cell, value, this.memory.forwarded ? value : latest);
  }

  /** `actor` handles one event to completion; `caller` is who called it (replies go there), if anyone. */
  private handle(v: Int32Array, actor: number, event: number, via: Via, caller: number, known: LocalTransition | null, obs: StepObserver | null): Outcome {
    if (++this.handled > MAX_EVENTS_PER_STEP) {
      return this.violation(BUILTIN.modelError, `a step handed out more than ${MAX_EVENTS_PER_STEP} events without settling (a call/reply cycle?)`);
    }
    const logic = this.sys.actors[actor];
    if (this.weak && (via === 'deliver' || via === 'call' || via === 'reply') && this.memory.receive(v, actor)) this.eventsSynchronized = true;
    else if (this.weak && via === 'timer' && this.memory.receive(v, actor)) this.timersSynchronized = true;
    // With the transition known and the reads deterministic, the read tuple is needed only to observe.
    const reuse = known !== null && !this.branchingReads(actor);
    const reads = logic.readCells.length === 0 || (reuse && obs === null) ? 0 : this.readTupleOf(v, actor, obs);
    const t = reuse ? known : logic.lookup(v[actor], event, reads);
    // A spontaneous event or timer enabled for some values of the reads but not for these.
    if (!t.accepts && (via === 'spontaneous' || via === 'timer')) { this.unsettled = true; return Outcome.Disabled; }
    if (obs) obs.event(actor, event, reads, via);
    if (!t.handled) {
      const state = JSON.stringify(logic.states.snapshot(v[actor]).value);
      const type = this.sys.ns.events.values[event].type;
      const what = via === 'deliver' ? 'delivered message' : via;
      return this.violation(BUILTIN.unhandledEvent, `${logic.name} in state ${state} has no transition for ${what} '${type}'`);
    }
    return this.apply(v, actor, caller, event, t, obs);
  }

  private apply(v: Int32Array, actor: number, caller: number, event: number, t: LocalTransition, obs: StepObserver | null): Outcome {
    if (obs === null) {
      const delta = this.deltaOf(actor, t);
      if (delta !== null && this.applyDelta(v, actor, t.next, delta)) return Outcome.Ok;
    }
    const logic = this.sys.actors[actor];
    if (t.violation !== null) return this.violation(t.violation.property, t.violation.message);
    if (t.error !== null) {
      const type = this.sys.ns.events.values[event].type;
      return this.violation(BUILTIN.modelError, `${logic.name} threw while handling '${type}': ${t.error}`);
    }
    if (obs) obs.transition(actor, v[actor], t.next);
    v[actor] = t.next;
    const effects = t.effects;
    for (let i = 0; i < effects.length; i++) {
      const r = this.applyEffect(v, actor, caller, effects[i], obs);
      if (r !== Outcome.Ok) return r;
    }
    if (logic.states.info[t.next].inError) {
      const value = JSON.stringify(logic.states.snapshot(t.next).value);
      return this.violation(BUILTIN.assertion, `${logic.name} entered state ${value}, tagged error`);
    }
    return Outcome.Ok;
  }

  private applyEffect(v: Int32Array, actor: number, caller: number, e: Effect, obs: StepObserver | null): Outcome {
    if (obs) obs.effect(actor, e);
    switch (e.kind) {
      case EffectKind.Write:
        if (!this.memory.store(v, actor, e.cell, e.value, e.release)) return this.memoryBound();
        if (e.fence && !this.memory.fence(v, actor, FenceKind.Full)) return this.memoryBound();
        return Outcome.Ok;
      case EffectKind.Fence:
        return this.memory.fence(v, actor, e.fence) ? Outcome.Ok : this.memoryBound();
      case EffectKind.Load: {
        if (!this.foreseen(actor, e.cell)) return this.unforeseenLoad(actor, e.cell);
        if (!this.memory.beforeLoad(v, actor, e.acquire)) return this.memoryBound();
        const n = this.memory.loadValues(v, actor, e.cell, e.acquire).length;
        const latest = v[this.cellBase + e.cell];
        const value = this.memory.load(v, actor, e.cell, e.acquire, this.choices.choose(n));
        if (obs?.memory) obs.memory(actor, { what: 'load', cell: e.cell, value, acquire: e.acquire, forwarded: this.memory.forwarded });
        this.observeLoad(obs, actor, e.cell, value, latest);
        return this.dispatch(v, actor, this.replyEvent(e.reply, e.cell, this.sys.ns.values.values[value]), 'load', NO_CALLER, null, obs);
      }
      case EffectKind.Rmw:
        if (!this.foreseen(actor, e.cell)) return this.unforeseenLoad(actor, e.cell);
        return this.rmw(v, actor, e, obs);
      case EffectKind.Post: {
        if (this.weak && !this.drainForEvent(v, actor)) return this.memoryBound();
        const layout = this.sys.layout;
        const qb = layout.queueBase[e.to];
        const len = v[qb];
        if (len === layout.queueCapacity[e.to]) {
          const what = `${this.sys.actorNames[actor]} posted '${this.sys.ns.events.values[e.event].type}' to ${this.sys.actorNames[e.to]}, whose in-flight FIFO is full (capacity ${len})`;
          if (this.sys.definition.onQueueFull === 'violation') return this.violation(BUILTIN.queueOverflow, what);
          this.boundReason = `queueCapacity: ${what}`;
          this.boundKind = 'queueCapacity';
          this.unsettled = true;
          return Outcome.Bound;
        }
        v[qb + 1 + len] = e.event;
        v[qb] = len + 1;
        return Outcome.Ok;
      }
      case EffectKind.Call:
        if (this.weak && !this.drainForEvent(v, actor)) return this.memoryBound();
        return this.dispatch(v, e.to, e.event, 'call', actor, null, obs);
      case EffectKind.Reply:
        if (caller === NO_CALLER) {
          return this.violation(BUILTIN.modelError, `${this.sys.actorNames[actor]} replied outside a call`);
        }
        if (this.weak && !this.drainForEvent(v, actor)) return this.memoryBound();
        return this.dispatch(v, caller, e.event, 'reply', NO_CALLER, null, obs);
      case EffectKind.Fail:
        return this.violation(BUILTIN.assertion, `${this.sys.actorNames[actor]}: ${e.message}`);
      case EffectKind.ArmTimer:
      case EffectKind.CancelTimer: {
        const slot = this.sys.clock.slot(actor, e.event);
        if (slot < 0) return this.violation(BUILTIN.modelError, `${this.sys.actorNames[actor]} armed timer '${this.sys.ns.events.values[e.event].type}', which none of its states declares`);
        if (e.kind === EffectKind.ArmTimer) this.sys.clock.arm(v, slot, e.delay);
        else this.sys.clock.cancel(v, slot);
        return Outcome.Ok;
      }
    }
  }

  /** Whether the scan of the actor's machine foresaw it loading `cell` (always, where nothing relies on the scan). */
  private foreseen(actor: number, cell: number): boolean {
    return this.sys.loadable === null || this.sys.loadable[actor][cell] === 1;
  }

  // The ARM model has forgotten what only a load of this cell could have seen: going on could miss
  // behaviour, so the run stops with an error instead (a gap in checker/loadedCells.ts).
  private unforeseenLoad(actor: number, cell: number): Outcome {
    return this.violation(BUILTIN.modelError, `${this.sys.actorNames[actor]} loads cell '${this.sys.cellNames[cell]}', which vmbus-check's scan of its machine did not find; under arm this cannot be checked (please report it)`);
  }

  /** A post, call or reply first drains the sender's buffer (README "Events between actors synchronize"). */
  private drainForEvent(v: Int32Array, actor: number): boolean {
    if (!this.eventsSynchronized && this.memory.buffered(v, actor).length > 0) this.eventsSynchronized = true;
    return this.memory.fence(v, actor, FenceKind.Full);
  }

  private rmw(v: Int32Array, actor: number, e: Extract<Effect, { kind: EffectKind.Rmw }>, obs: StepObserver | null): Outcome {
    const values = this.sys.ns.values;
    let stored = false;
    try {
      const fails = (old: number) => rmwResult(e.op, values.values[old], e.a, e.b).store === undefined;
      const option = this.choices.choose(this.memory.rmwOptions(v, actor, e.cell, fails));
      const latest = v[this.cellBase + e.cell];
      const old = this.memory.rmw(v, actor, e.cell, option, fails, (o) => {
        const next = rmwResult(e.op, values.values[o], e.a, e.b).store;
        stored = next !== undefined;
        return next === undefined ? -1 : values.intern(next);
      });
      if (old === -2) return this.memoryBound();
      if (obs?.memory) obs.memory(actor, { what: 'rmw', cell: e.cell, op: e.op, old, stored });
      // Option 0 is the fully ordered RMW, on the latest value once the actor's buffer is drained.
      if (option !== 0) obs?.loaded?.(actor, e.cell, old, latest);
      const answer = rmwResult(e.op, values.values[old], e.a, e.b).answer;
      return this.dispatch(v, actor, this.replyEvent(e.reply, e.cell, answer), 'rmw', NO_CALLER, null, obs);
    } catch (err) {
      return this.violation(BUILTIN.modelError, `${this.sys.actorNames[actor]}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The interned `{ type: reply, cell, value }` event answering a load or an RMW. */
  private replyEvent(reply: string, cell: number, value: unknown): number {
    const key = `${reply}\u0000${cell}\u0000${JSON.stringify(value)}`;
    let id = this.replyEvents.get(key);
    if (id === undefined) {
      id = this.sys.ns.events.intern({ type: reply, cell: this.sys.cellNames[cell], value } as any);
      this.replyEvents.set(key, id);
    }
    return id;
  }

  private memoryBound(): Outcome {
    const reason = this.memory.boundReason;
    this.boundKind = reason.startsWith('history') ? 'history' : 'storeBuffer';
    this.boundReason = reason;
    this.unsettled = true;
    return Outcome.Bound;
  }

  private violation(property: string, message: string): Outcome {
    this.unsettled = true;
    this.violationProperty = property;
    this.violationMessage = message;
    return Outcome.Violation;
  }
}

/**
 * Calls `visit` for every enabled non-timer step of `v`, in a fixed order; returns how many there were.
 * `t` is the step's transition where it is known already: a spontaneous step's always, a delivery's
 * under sc once final (else null, and the delivery looks it up), a flush's never.
 */
export function forEachStep(
  sys: CompiledSystem, stepper: Stepper, v: Int32Array,
  visit: (actor: number, kind: StepKind, event: number, t: LocalTransition | null) => boolean | void,
): number {
  let n = 0;
  const { layout } = sys;
  const sc = sys.memory === 'sc';
  for (let a = 0; a < layout.actorCount; a++) {
    const qb = layout.queueBase[a];
    const logic = sys.actors[a];
    const spont = logic.spontaneousEvents;
    const plain = !stepper.branchingReads(a);
    // Transitions are looked up once per situation: see ActorLogic.situationSpontaneous and deliveredIn.
    const sit = plain && (spont.length > 0 || (sc && v[qb] > 0)) ? logic.situation(v[a], stepper.pureReads(v, a), layout.cellBase) : -1;
    if (v[qb] > 0) {
      n++;
      // Under sc a delivery's final transition goes with the step (deliverInPlace); else it is looked up there.
      if (visit(a, StepKind.Deliver, v[qb + 1], sc && sit >= 0 ? logic.deliveredIn(sit, v[qb + 1]) : null) === false) return n;
    }
    if (spont.length > 0 && plain) {
      const known = logic.spontaneousIn(sit);
      if (known !== undefined) {
        for (let k = 0; k < known.length; k++) {
          const t = known[k];
          if (!t.accepts) continue;
          n++;
          if (visit(a, StepKind.Spontaneous, spont[k], t) === false) return n;
        }
      } else {
        const reads = logic.situationReads(sit);
        const found: LocalTransition[] = [];
        let settled = true;
        for (let k = 0; k < spont.length; k++) {
          const t = logic.lookup(v[a], spont[k], reads);
          found.push(t);
          if (t.uses >= 0) settled = false;
          if (!t.accepts) continue;
          n++;
          if (visit(a, StepKind.Spontaneous, spont[k], t) === false) return n;
        }
        if (settled) logic.settleSpontaneous(sit, found);
      }
    } else {
      for (let k = 0; k < spont.length; k++) {
        const t = stepper.lookup(v, a, spont[k]);
        if (!t.accepts) continue;
        n++;
        if (visit(a, StepKind.Spontaneous, spont[k], t) === false) return n;
      }
    }
    if (sys.memory === 'sc') continue;
    let stop = false;
    stepper.memory.flushable(v, a, (cell) => {
      if (stop) return;
      n++;
      if (visit(a, StepKind.Flush, sys.flushEvents[cell], null) === false) stop = true;
    });
    if (stop) return n;
  }
  return n;
}

/**
 * Calls `visit` for every timer that may fire in `v` (README, "Time"): those due at the earliest
 * deadline (`deadline`), or every armed one the actor accepts (`unordered`). The explorer offers them
 * only when no other step is enabled, like SPIN's `timeout`. A due timer whose guards all fail still
 * fires, as in XState, and only disarms itself.
 */
export function forEachTimer(
  sys: CompiledSystem, stepper: Stepper, v: Int32Array,
  visit: (actor: number, event: number, t: LocalTransition) => boolean | void,
): number {
  let n = 0;
  const { clock } = sys;
  clock.forEachDue(v, (slot) => {
    const { actor, event } = clock.slots[slot];
    const t = stepper.lookup(v, actor, event);
    if (clock.mode === 'unordered' && !t.accepts) return true;
    n++;
    return visit(actor, event, t) !== false;
  });
  return n;
}

/**
 * Calls `visit` for every timer due now (no time left) while other steps are enabled: such a timer
 * interleaves with them (README, "Time"). Returns how many there were.
 */
export function forEachTimerDueNow(
  sys: CompiledSystem, stepper: Stepper, v: Int32Array,
  visit: (actor: number, event: number, t: LocalTransition) => boolean | void,
): number {
  return sys.clock.someDueNow(v) ? forEachTimer(sys, stepper, v, visit) : 0;
}

/** Takes one step of `kind` in `v` (modified in place). */
export function takeStep(
  stepper: Stepper, v: Int32Array, actor: number, kind: StepKind, event: number, t: LocalTransition | null, obs: StepObserver | null,
): Outcome {
  if (kind === StepKind.Deliver) return endStep(stepper, v, stepper.deliver(v, actor, obs, t));
  if (kind === StepKind.Flush) return endStep(stepper, v, stepper.flush(v, actor, stepper.flushCell(event), obs));
  if (kind === StepKind.Timer) {
    const { clock } = stepper.sys;
    clock.fire(v, clock.slot(actor, event));
    if (!t!.accepts) { clock.normalize(v); return Outcome.Ok; }
  }
  if (kind === StepKind.Spontaneous && obs === null) {
    const delta = stepper.deltaOf(actor, t!);
    if (delta !== null && stepper.applyDelta(v, actor, t!.next, delta)) return endStep(stepper, v, Outcome.Ok);
  }
  return endStep(stepper, v, stepper.fire(v, actor, event, t!, STEP_KIND_NAMES[kind], obs));
}

/** Ends a step: timers and the memory model's regions in canonical form. */
function endStep(stepper: Stepper, v: Int32Array, r: Outcome): Outcome {
  if (r === Outcome.Ok) { stepper.sys.clock.normalize(v); stepper.memory.normalize(v); }
  return r;
}

/** Builds the initial global state in `v`: initial snapshots, cells, then each actor's entry effects. */
export function initialState(sys: CompiledSystem, stepper: Stepper, v: Int32Array, obs: StepObserver | null): Outcome {
  v.fill(0);
  // Laid out first, so that a start-up violation leaves the state as far as start-up got (an actor whose
  // initial transition threw has local state -1).
  sys.initialActors.forEach((a, i) => { v[i] = a.local; });
  sys.initialCells.forEach((value, c) => { v[sys.layout.cellBase + c] = value; });
  stepper.memory.init(v);
  stepper.choices.start();
  // Actor by actor, as they start: the first whose initial macrostep throws or shows a violation.
  for (let i = 0; i < sys.initialActors.length; i++) {
    const a = sys.initialActors[i];
    if (a.violation === null && a.error === null) continue;
    stepper.violationProperty = a.violation?.property ?? BUILTIN.modelError;
    stepper.violationMessage = a.violation?.message ?? `${sys.actorNames[i]} threw in its initial transition: ${a.error}`;
    return Outcome.Violation;
  }
  for (let i = 0; i < sys.initialActors.length; i++) {
    const r = stepper.applyEffects(v, i, sys.initialActors[i].effects, obs);
    if (r !== Outcome.Ok) return r;
  }
  sys.clock.normalize(v);
  stepper.memory.normalize(v);
  if (stepper.choices.taken.length > 0) {
    // One initial state only: an entry action's load that could return several values would need several.
    stepper.violationProperty = BUILTIN.modelError;
    stepper.violationMessage = `an initial entry action loads a cell that may return several values under ${sys.memory}; load in a step instead`;
    return Outcome.Violation;
  }
  for (let i = 0; i < sys.actors.length; i++) {
    if (sys.actors[i].states.info[v[i]].inError) {
      stepper.violationProperty = BUILTIN.assertion;
      stepper.violationMessage = `${sys.actorNames[i]} starts in a state tagged error`;
      return Outcome.Violation;
    }
  }
  return Outcome.Ok;
}
