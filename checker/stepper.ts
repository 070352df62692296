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

const MAX_CALL_DEPTH = 32;

export class Stepper {
  violationProperty = '';
  violationMessage = '';
  boundReason = '';
  private readonly callStack: number[] = [];
  /** Calls and replies being handled inside this step; a reply pops the call stack, so count them apart. */
  private nesting = 0;
  private readonly cellBase: number;
  readonly memory: MemoryModel;

  constructor(private readonly sys: CompiledSystem) {
    this.cellBase = sys.layout.cellBase;
    this.memory = sequentialConsistency(sys.layout);
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
    return this.runEvent(v, actor, event, 'deliver', obs);
  }

  /** Applies an already looked-up spontaneous or timer transition. */
  fire(v: Int32Array, actor: number, event: number, t: LocalTransition, via: Via, obs: StepObserver | null): Outcome {
    if (obs) obs.event(actor, event, this.readTupleOf(v, actor), via);
    return this.apply(v, actor, event, t, obs);
  }

  /** Applies effects that happen outside any transition (initial entry actions). */
  applyEffects(v: Int32Array, actor: number, effects: Effect[], obs: StepObserver | null): Outcome {
    for (let i = 0; i < effects.length; i++) {
      const r = this.applyEffect(v, actor, effects[i], obs);
      if (r !== Outcome.Ok) return r;
    }
    return Outcome.Ok;
  }

  private readTupleOf(v: Int32Array, actor: number): number {
    return this.sys.actors[actor].readTuple(this.memory.loads(v, actor), this.cellBase);
  }

  private runEvent(v: Int32Array, actor: number, event: number, via: Via, obs: StepObserver | null): Outcome {
    const t = this.lookup(v, actor, event);
    if (obs) obs.event(actor, event, this.readTupleOf(v, actor), via);
    if (!t.handled) {
      const logic = this.sys.actors[actor];
      const state = JSON.stringify(logic.states.snapshot(v[actor]).value);
      const type = this.sys.ns.events.values[event].type;
      const what = via === 'deliver' ? 'delivered message' : via;
      return this.violation(BUILTIN.unhandledEvent, `${logic.name} in state ${state} has no transition for ${what} '${type}'`);
    }
    return this.apply(v, actor, event, t, obs);
  }

  private apply(v: Int32Array, actor: number, event: number, t: LocalTransition, obs: StepObserver | null): Outcome {
    const logic = this.sys.actors[actor];
    if (t.error !== null) {
      const type = this.sys.ns.events.values[event].type;
      return this.violation(BUILTIN.modelError, `${logic.name} threw while handling '${type}': ${t.error}`);
    }
    if (obs) obs.transition(actor, v[actor], t.next);
    v[actor] = t.next;
    const effects = t.effects;
    for (let i = 0; i < effects.length; i++) {
      const r = this.applyEffect(v, actor, effects[i], obs);
      if (r !== Outcome.Ok) return r;
    }
    if (logic.states.info[t.next].inError) {
      const value = JSON.stringify(logic.states.snapshot(t.next).value);
      return this.violation(BUILTIN.assertion, `${logic.name} entered state ${value}, tagged error`);
    }
    return Outcome.Ok;
  }

  private applyEffect(v: Int32Array, actor: number, e: Effect, obs: StepObserver | null): Outcome {
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
          return Outcome.Bound;
        }
        v[qb + 1 + len] = e.event;
        v[qb] = len + 1;
        return Outcome.Ok;
      }
      case EffectKind.Call: {
        if (this.nesting >= MAX_CALL_DEPTH) return this.tooDeep();
        this.callStack.push(actor);
        this.nesting++;
        const r = this.runEvent(v, e.to, e.event, 'call', obs);
        this.nesting--;
        this.callStack.pop();
        return r;
      }
      case EffectKind.Reply: {
        if (this.callStack.length === 0) {
          return this.violation(BUILTIN.modelError, `${this.sys.actorNames[actor]} replied outside a call`);
        }
        if (this.nesting >= MAX_CALL_DEPTH) return this.tooDeep();
        const caller = this.callStack.pop()!;
        this.nesting++;
        const r = this.runEvent(v, caller, e.event, 'reply', obs);
        this.nesting--;
        this.callStack.push(caller);
        return r;
      }
      case EffectKind.Fail:
        return this.violation(BUILTIN.assertion, `${this.sys.actorNames[actor]}: ${e.message}`);
    }
  }

  // A reply handler that calls again never deepens the call stack, so the limit counts nesting.
  private tooDeep(): Outcome {
    return this.violation(BUILTIN.modelError, `calls and replies nested deeper than ${MAX_CALL_DEPTH} within one step (a call cycle?)`);
  }

  // The call stack and nesting count unwind as the violation returns through each call and reply.
  private violation(property: string, message: string): Outcome {
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
 * Calls `visit` for every armed timer of `v`. Timers fire only when no other step is enabled (like
 * SPIN's `timeout`); any armed timer may fire first, an over-approximation of real time.
 */
export function forEachTimer(
  sys: CompiledSystem, stepper: Stepper, v: Int32Array,
  visit: (actor: number, event: number, t: LocalTransition) => boolean | void,
): number {
  let n = 0;
  for (let a = 0; a < sys.layout.actorCount; a++) {
    const timers = sys.actors[a].timerEvents;
    for (let k = 0; k < timers.length; k++) {
      const t = stepper.lookup(v, a, timers[k]);
      if (!t.accepts) continue;
      n++;
      if (visit(a, timers[k], t) === false) return n;
    }
  }
  return n;
}

/** Takes one step of `kind` in `v` (modified in place). */
export function takeStep(
  stepper: Stepper, v: Int32Array, actor: number, kind: StepKind, event: number, t: LocalTransition | null, obs: StepObserver | null,
): Outcome {
  if (kind === StepKind.Deliver) return stepper.deliver(v, actor, obs);
  return stepper.fire(v, actor, event, t!, STEP_KIND_NAMES[kind], obs);
}

/** Builds the initial global state in `v`: initial snapshots, cells, then each actor's entry effects. */
export function initialState(sys: CompiledSystem, stepper: Stepper, v: Int32Array, obs: StepObserver | null): Outcome {
  v.fill(0);
  const broken = sys.initialActors.findIndex((a) => a.error !== null);
  if (broken >= 0) {
    stepper.violationProperty = BUILTIN.modelError;
    stepper.violationMessage = `${sys.actorNames[broken]} threw in its initial transition: ${sys.initialActors[broken].error}`;
    return Outcome.Violation;
  }
  sys.initialActors.forEach((a, i) => { v[i] = a.local; });
  sys.initialCells.forEach((value, c) => { v[sys.layout.cellBase + c] = value; });
  for (let i = 0; i < sys.initialActors.length; i++) {
    const r = stepper.applyEffects(v, i, sys.initialActors[i].effects, obs);
    if (r !== Outcome.Ok) return r;
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
