// The step semantics (README, "Step semantics") applied to packed global state vectors.
import type { CompiledSystem } from './compile.ts';
import { EffectKind } from './localTransition.ts';
import type { Effect, LocalTransition } from './localTransition.ts';
import type { MemoryModel } from './memoryModel.ts';
import { sequentialConsistency } from './memoryModel.ts';
import { BUILTIN } from './properties.ts';

export enum Outcome { Ok, Violation, Bound }

export enum StepKind { Deliver, Spontaneous, Timer }
export const STEP_KIND_NAMES = ['deliver', 'spontaneous', 'timer'] as const;
export type StepKindName = (typeof STEP_KIND_NAMES)[number];

/** How an event reached an actor inside a step. */
export type Via = StepKindName | 'call' | 'reply' | 'init';

/** Sees everything a step does; used to record traces, never on the exploration hot path. */
export interface StepObserver {
  event(actor: number, event: number, readTuple: number, via: Via): void;
  transition(actor: number, from: number, to: number): void;
  effect(actor: number, effect: Effect): void;
}

/** Events one step may hand to actors (the root event, calls, replies) before it counts as a cycle. */
const MAX_EVENTS_PER_STEP = 256;
const NO_CALLER = -1;
const VIAS: Via[] = ['deliver', 'spontaneous', 'timer', 'call', 'reply', 'init'];

export class Stepper {
  violationProperty = '';
  violationMessage = '';
  boundReason = '';
  private readonly cellBase: number;
  readonly memory: MemoryModel;
  // XState's mailbox order, within one step: an event for an actor that is still handling one waits in
  // that actor's mailbox until it finishes (so a reply reaches a caller after the caller's remaining
  // actions). An actor is never re-entered, so nesting is bounded by the number of actors.
  private readonly busy: Uint8Array;
  /** Per actor: queued [event, via index, caller] triples. */
  private readonly mailbox: number[][];
  private handled = 0;

  constructor(readonly sys: CompiledSystem) {
    this.cellBase = sys.layout.cellBase;
    this.memory = sequentialConsistency(sys.layout);
    this.busy = new Uint8Array(sys.layout.actorCount);
    this.mailbox = sys.actorNames.map(() => []);
  }

  /** The local transition `actor` would take on `event` in `v`. */
  lookup(v: Int32Array, actor: number, event: number): LocalTransition {
    const logic = this.sys.actors[actor];
    return logic.lookup(v[actor], event, logic.readTuple(this.memory.loads(v, actor), this.cellBase));
  }

  /** Takes the head of `actor`'s in-flight FIFO and delivers it. The queue must be non-empty. */
  deliver(v: Int32Array, actor: number, obs: StepObserver | null): Outcome {
    const qb = this.sys.layout.queueBase[actor];
    const len = v[qb];
    const event = v[qb + 1];
    for (let i = 1; i < len; i++) v[qb + i] = v[qb + i + 1];
    v[qb + len] = 0;
    v[qb] = len - 1;
    this.beginStep();
    return this.dispatch(v, actor, event, 'deliver', NO_CALLER, null, obs);
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

  private readTupleOf(v: Int32Array, actor: number): number {
    return this.sys.actors[actor].readTuple(this.memory.loads(v, actor), this.cellBase);
  }

  /** `actor` handles one event to completion; `caller` is who called it (replies go there), if anyone. */
  private handle(v: Int32Array, actor: number, event: number, via: Via, caller: number, known: LocalTransition | null, obs: StepObserver | null): Outcome {
    if (++this.handled > MAX_EVENTS_PER_STEP) {
      return this.violation(BUILTIN.modelError, `a step handed out more than ${MAX_EVENTS_PER_STEP} events without settling (a call/reply cycle?)`);
    }
    const t = known ?? this.lookup(v, actor, event);
    if (obs) obs.event(actor, event, this.readTupleOf(v, actor), via);
    if (!t.handled) {
      const logic = this.sys.actors[actor];
      const state = JSON.stringify(logic.states.snapshot(v[actor]).value);
      const type = this.sys.ns.events.values[event].type;
      const what = via === 'deliver' ? 'delivered message' : via;
      return this.violation(BUILTIN.unhandledEvent, `${logic.name} in state ${state} has no transition for ${what} '${type}'`);
    }
    return this.apply(v, actor, caller, event, t, obs);
  }

  private apply(v: Int32Array, actor: number, caller: number, event: number, t: LocalTransition, obs: StepObserver | null): Outcome {
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
        this.memory.store(v, actor, e.cell, e.value);
        return Outcome.Ok;
      case EffectKind.Post: {
        const layout = this.sys.layout;
        const qb = layout.queueBase[e.to];
        const len = v[qb];
        if (len === layout.queueCapacity[e.to]) {
          const what = `${this.sys.actorNames[actor]} posted '${this.sys.ns.events.values[e.event].type}' to ${this.sys.actorNames[e.to]}, whose in-flight FIFO is full (capacity ${len})`;
          if (this.sys.definition.onQueueFull === 'violation') return this.violation(BUILTIN.queueOverflow, what);
          this.boundReason = `queueCapacity: ${what}`;
          this.unsettled = true;
          return Outcome.Bound;
        }
        v[qb + 1 + len] = e.event;
        v[qb] = len + 1;
        return Outcome.Ok;
      }
      case EffectKind.Call:
        return this.dispatch(v, e.to, e.event, 'call', actor, null, obs);
      case EffectKind.Reply:
        if (caller === NO_CALLER) {
          return this.violation(BUILTIN.modelError, `${this.sys.actorNames[actor]} replied outside a call`);
        }
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

  private violation(property: string, message: string): Outcome {
    this.unsettled = true;
    this.violationProperty = property;
    this.violationMessage = message;
    return Outcome.Violation;
  }
}

/** Calls `visit` for every enabled non-timer step of `v`, in a fixed order; returns how many there were. */
export function forEachStep(
  sys: CompiledSystem, stepper: Stepper, v: Int32Array,
  visit: (actor: number, kind: StepKind, event: number, t: LocalTransition | null) => boolean | void,
): number {
  let n = 0;
  const { layout } = sys;
  for (let a = 0; a < layout.actorCount; a++) {
    const qb = layout.queueBase[a];
    if (v[qb] > 0) {
      n++;
      if (visit(a, StepKind.Deliver, v[qb + 1], null) === false) return n;
    }
    const spont = sys.actors[a].spontaneousEvents;
    for (let k = 0; k < spont.length; k++) {
      const t = stepper.lookup(v, a, spont[k]);
      if (!t.accepts) continue;
      n++;
      if (visit(a, StepKind.Spontaneous, spont[k], t) === false) return n;
    }
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

/** Takes one step of `kind` in `v` (modified in place). */
export function takeStep(
  stepper: Stepper, v: Int32Array, actor: number, kind: StepKind, event: number, t: LocalTransition | null, obs: StepObserver | null,
): Outcome {
  if (kind === StepKind.Deliver) return settleTimers(stepper, v, stepper.deliver(v, actor, obs));
  if (kind === StepKind.Timer) {
    const { clock } = stepper.sys;
    clock.fire(v, clock.slot(actor, event));
    if (!t!.accepts) { clock.normalize(v); return Outcome.Ok; }
  }
  return settleTimers(stepper, v, stepper.fire(v, actor, event, t!, STEP_KIND_NAMES[kind], obs));
}

function settleTimers(stepper: Stepper, v: Int32Array, r: Outcome): Outcome {
  if (r === Outcome.Ok) stepper.sys.clock.normalize(v);
  return r;
}

/** Builds the initial global state in `v`: initial snapshots, cells, then each actor's entry effects. */
export function initialState(sys: CompiledSystem, stepper: Stepper, v: Int32Array, obs: StepObserver | null): Outcome {
  v.fill(0);
  // Laid out first, so that a start-up violation leaves the state as far as start-up got (an actor whose
  // initial transition threw has local state -1).
  sys.initialActors.forEach((a, i) => { v[i] = a.local; });
  sys.initialCells.forEach((value, c) => { v[sys.layout.cellBase + c] = value; });
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
  for (let i = 0; i < sys.actors.length; i++) {
    if (sys.actors[i].states.info[v[i]].inError) {
      stepper.violationProperty = BUILTIN.assertion;
      stepper.violationMessage = `${sys.actorNames[i]} starts in a state tagged error`;
      return Outcome.Violation;
    }
  }
  return Outcome.Ok;
}
