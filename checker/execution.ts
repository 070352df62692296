// Step-by-step execution of a system with everything recorded: the basis of counterexample replay,
// soundness checks and trace rendering. Uses the same step semantics as the explorer.
import type { EventObject } from 'xstate';
import { canonicalJson } from './canonical.ts';
import type { CompiledSystem } from './compile.ts';
import { compileSystem, isCompiledSystem } from './compile.ts';
import { materialize, VectorView } from './globalView.ts';
import type { GlobalState } from './globalView.ts';
import { EffectKind } from './localTransition.ts';
import type { Effect } from './localTransition.ts';
import { BUILTIN, judgedTrue, violationMessage } from './properties.ts';
import { judgeQuiescent, stallsAt } from './quiescence.ts';
import type { QuiescentJudgement } from './quiescence.ts';
import type { Step } from './result.ts';
import { forEachStep, forEachTimer, forEachTimerDueNow, initialState, Outcome, Stepper, StepKind, STEP_KIND_NAMES, takeStep } from './stepper.ts';
import type { MemoryEvent, StepObserver, Via } from './stepper.ts';
import type { SystemDefinition } from './system.ts';
import type { CellValue } from './vocabulary.ts';
import { FENCE_NAMES } from './memoryModel.ts';
import { judgeLasso } from './lassoJudgement.ts';
import type { LassoVerdict } from './lassoJudgement.ts';
import type { MemoryModelName } from './memoryModel.ts';

/** Something that happened inside one step, in order. */
export type Happening =
  | { what: 'event'; actor: string; via: Via; event: EventObject }
  /** `unchanged`: the actor's state and context are as they were (a transition that changed nothing). */
  | { what: 'transition'; actor: string; from: unknown; to: unknown; unchanged: boolean }
  | { what: 'post'; from: string; to: string; event: EventObject }
  | { what: 'call'; from: string; to: string; event: EventObject }
  | { what: 'reply'; from: string; event: EventObject }
  | { what: 'write'; actor: string; cell: string; value: CellValue; release: boolean; buffered: boolean }
  | { what: 'load'; actor: string; cell: string; value: CellValue; acquire: boolean; forwarded: boolean }
  | { what: 'fence'; actor: string; fence: 'full' | 'store' | 'load' }
  | { what: 'rmw'; actor: string; op: string; cell: string; old: CellValue; stored: boolean }
  | { what: 'flush'; actor: string; cell: string; value: CellValue }
  | { what: 'fail'; actor: string; message: string };

export interface StepOutcome {
  /** The state after the step (a fresh vector; undefined after a violation or a bound). */
  state?: Int32Array;
  happenings: Happening[];
  violation?: { property: string; message: string };
  bound?: string;
  /**
   * The loads of the step that returned a value other than memory's latest value of their cell (not
   * forwarded from the actor's own store buffer): stale under arm, never under sc or tso. Absent when none.
   */
  staleLoads?: StaleLoad[];
  /**
   * Only from `initial`, after a start-up violation or bound: the state as far as start-up got, to show
   * (`materialize` gives an actor whose initial transition threw as status 'error'). Not a state to step from.
   */
  reached?: Int32Array;
}

export interface StaleLoad { actor: string; cell: string; value: CellValue; latest: CellValue }

export class Execution {
  readonly sys: CompiledSystem;
  private readonly stepper: Stepper;
  private readonly view: VectorView;

  constructor(system: SystemDefinition | CompiledSystem, memory?: MemoryModelName) {
    this.sys = isCompiledSystem(system) ? system : compileSystem(system, memory);
    this.stepper = new Stepper(this.sys);
    this.view = new VectorView(this.sys);
  }

  initial(): StepOutcome {
    const v = new Int32Array(this.sys.layout.width);
    const out = this.finish(v, initialState(this.sys, this.stepper, v, this.observer()));
    if (!out.state) out.reached = v;
    return out;
  }

  /** Every step enabled in `v`: timers due now among the others, any due timer when nothing else is enabled. */
  enabled(v: Int32Array): Step[] {
    const out: Step[] = [];
    const name = (a: number) => this.sys.actorNames[a];
    const ev = (e: number) => this.sys.ns.events.values[e];
    forEachStep(this.sys, this.stepper, v, (a, kind, e) => { out.push({ actor: name(a), kind: STEP_KIND_NAMES[kind], event: ev(e) }); });
    const timer = (a: number, e: number) => { out.push({ actor: name(a), kind: 'timer', event: ev(e) }); };
    if (out.length === 0) forEachTimer(this.sys, this.stepper, v, timer);
    else forEachTimerDueNow(this.sys, this.stepper, v, timer);
    return out;
  }

  /** Takes `step` from `v` (unchanged). Returns null when the step is not enabled there. */
  apply(v: Int32Array, step: Step): StepOutcome | null {
    const actor = this.sys.actorNames.indexOf(step.actor);
    if (actor < 0) return null;
    const key = canonicalJson(step.event);
    if (!this.enabled(v).some((s) => s.actor === step.actor && s.kind === step.kind && canonicalJson(s.event) === key)) return null;
    const kind = STEP_KIND_NAMES.indexOf(step.kind) as StepKind;
    const event = this.sys.ns.events.idOf(step.event)!;
    const t = kind === StepKind.Deliver || kind === StepKind.Flush ? null : this.stepper.lookup(v, actor, event);
    // A step recorded without choices (a watchdog ending a stall's counterexample) takes the first
    // combination of load values under which it is enabled.
    let script: number[] | null = step.choices ?? [];
    while (script !== null) {
      const next = v.slice();
      this.stepper.choices.start(script);
      const r = takeStep(this.stepper, next, actor, kind, event, t, this.observer());
      if (r !== Outcome.Disabled && (step.choices === undefined || this.stepper.choices.faithful)) return this.finish(next, r);
      this.recorded = [];
      this.stale = [];
      script = step.choices === undefined ? this.stepper.choices.advance() : null;
    }
    return null;
  }

  /**
   * Takes `step` from `v` (unchanged) with each branching load's value drawn by `pick` (random search);
   * the step it returns records those choices, so that it replays. Null when the step is not enabled
   * with the values drawn.
   */
  applyChoosing(v: Int32Array, step: Step, pick: () => number): { step: Step; outcome: StepOutcome } | null {
    const actor = this.sys.actorNames.indexOf(step.actor);
    const kind = STEP_KIND_NAMES.indexOf(step.kind) as StepKind;
    const event = this.sys.ns.events.idOf(step.event)!;
    const t = kind === StepKind.Deliver || kind === StepKind.Flush ? null : this.stepper.lookup(v, actor, event);
    const next = v.slice();
    this.stepper.choices.start([], pick);
    const r = takeStep(this.stepper, next, actor, kind, event, t, this.observer());
    const taken = [...this.stepper.choices.taken];
    this.stepper.choices.start([]);
    if (r === Outcome.Disabled) {
      this.recorded = [];
      this.stale = [];
      return null;
    }
    return { step: taken.length > 0 ? { ...step, choices: taken } : step, outcome: this.finish(next, r) };
  }

  /** Invariant violations of the state `v`. */
  invariantViolations(v: Int32Array): { property: string; message: string }[] {
    this.view.v = v;
    const out: { property: string; message: string }[] = [];
    for (const [name, p] of this.sys.invariants) {
      try {
        const msg = violationMessage(p.holds(this.view), `invariant ${name} does not hold`);
        if (msg !== null) out.push({ property: name, message: msg });
      } catch (e) {
        out.push({ property: BUILTIN.modelError, message: `invariant ${name} threw: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    return out;
  }

  /** What stall properties say is outstanding in `v` (to judge a quiescent state). */
  outstandingWork(v: Int32Array): { property: string; work: string }[] {
    this.view.v = v;
    return stallsAt(this.sys, this.view, '').map(({ property, work }) => ({ property, work: work! }));
  }

  /**
   * The explorer's judgement of `v` when it is quiescent (only timers, or nothing, can fire): stalls and
   * deadlock (checker/quiescence.ts). Empty when a non-timer step is enabled: nothing to judge there.
   */
  quiescentJudgement(v: Int32Array): QuiescentJudgement[] {
    const enabled = this.enabled(v);
    if (enabled.some((s) => s.kind !== 'timer')) return [];
    this.view.v = v;
    return judgeQuiescent(this.sys, this.view, enabled[0] ?? null);
  }

  /**
   * Judges a liveness counterexample given as the states it passes (`states[0]` initial, `states[i]`
   * after step i): checker/lassoJudgement.ts.
   */
  lassoJudgement(property: string, states: Int32Array[], steps: Step[], cycleStart: number | null): LassoVerdict {
    return judgeLasso(this, property, states, steps, cycleStart);
  }

  /**
   * Whether the reachability goal `property` holds in `v` (true or a non-empty string), or why it cannot
   * be said: the system has no such goal, or the goal threw.
   */
  goalHolds(property: string, v: Int32Array): boolean | { error: string } {
    const goal = this.sys.goals.find(([name]) => name === property);
    if (!goal) return { error: `the system has no reachability goal ${property}` };
    this.view.v = v;
    try {
      return judgedTrue(goal[1].goal(this.view));
    } catch (e) {
      return { error: `the goal ${property} threw: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  /** Whether `property` names a liveness property of this system. */
  isLiveness(property: string): boolean {
    return this.sys.liveness.some(([name]) => name === property);
  }

  materialize(v: Int32Array): GlobalState {
    return materialize(this.sys, v);
  }

  /** Each actor's buffered stores in `v`, oldest first (tso and arm; none under sc). */
  storeBuffers(v: Int32Array): Record<string, { cell: string; value: CellValue }[]> {
    const { sys } = this;
    return Object.fromEntries(sys.actorNames.map((name, a) => [name, this.stepper.memory.buffered(v, a)
      .filter((e) => e.cell >= 0) // fence markers
      .map((e) => ({ cell: sys.cellNames[e.cell], value: sys.ns.values.values[e.value] }))]));
  }

  private finish(v: Int32Array, r: Outcome): StepOutcome {
    const happenings = this.recorded;
    const stale = this.stale;
    this.recorded = [];
    this.stale = [];
    if (r === Outcome.Violation) return { happenings, violation: { property: this.stepper.violationProperty, message: this.stepper.violationMessage } };
    if (r === Outcome.Bound) return { happenings, bound: this.stepper.boundReason };
    return stale.length > 0 ? { state: v, happenings, staleLoads: stale } : { state: v, happenings };
  }

  private recorded: Happening[] = [];
  private stale: StaleLoad[] = [];

  private observer(): StepObserver {
    const sys = this.sys;
    const name = (a: number) => sys.actorNames[a];
    const ev = (e: number) => sys.ns.events.values[e];
    const rec = this.recorded;
    const stale = this.stale;
    return {
      loaded: (actor, cell, value, latest) => {
        if (value !== latest) stale.push({ actor: name(actor), cell: sys.cellNames[cell], value: sys.ns.values.values[value], latest: sys.ns.values.values[latest] });
      },
      event: (actor, event, readTuple, via) => {
        rec.push({ what: 'event', actor: name(actor), via, event: sys.actors[actor].eventFor(event, readTuple) });
      },
      transition: (actor, from, to) => {
        const states = sys.actors[actor].states;
        rec.push({ what: 'transition', actor: name(actor), from: states.snapshot(from).value, to: states.snapshot(to).value, unchanged: from === to });
      },
      effect: (actor, e: Effect) => {
        switch (e.kind) {
          case EffectKind.Post: rec.push({ what: 'post', from: name(actor), to: name(e.to), event: ev(e.event) }); break;
          case EffectKind.Call: rec.push({ what: 'call', from: name(actor), to: name(e.to), event: ev(e.event) }); break;
          case EffectKind.Reply: rec.push({ what: 'reply', from: name(actor), event: ev(e.event) }); break;
          case EffectKind.Write:
            rec.push({ what: 'write', actor: name(actor), cell: sys.cellNames[e.cell], value: sys.ns.values.values[e.value], release: e.release, buffered: sys.memory !== 'sc' });
            if (e.fence) rec.push({ what: 'fence', actor: name(actor), fence: 'full' });
            break;
          case EffectKind.Fence: rec.push({ what: 'fence', actor: name(actor), fence: FENCE_NAMES[e.fence] }); break;
          case EffectKind.Fail: rec.push({ what: 'fail', actor: name(actor), message: e.message }); break;
        }
      },
      memory: (actor, m: MemoryEvent) => {
        const cell = sys.cellNames[m.what === 'fence' ? 0 : m.cell];
        const val = (id: number) => sys.ns.values.values[id];
        switch (m.what) {
          case 'load': rec.push({ what: 'load', actor: name(actor), cell, value: val(m.value), acquire: m.acquire, forwarded: m.forwarded }); break;
          case 'rmw': rec.push({ what: 'rmw', actor: name(actor), op: m.op, cell, old: val(m.old), stored: m.stored }); break;
          case 'flush': rec.push({ what: 'flush', actor: name(actor), cell, value: val(m.value) }); break;
          case 'fence': break;
        }
      },
    };
  }
}
