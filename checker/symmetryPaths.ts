// Counterexamples under symmetry reduction (checker/symmetry.ts). The store's parent chain holds
// canonical representatives, and a step from one representative reaches an image of the next, not
// the next itself, so the chain's steps are no schedule. The concrete path is rebuilt from the initial
// state: at each step, a successor whose canonical form is the next representative (one exists, as
// the system is symmetric). It has the chain's length, so a shortest counterexample stays shortest
// (every state of an orbit is at the same BFS depth). Messages are worded again in the concrete state,
// so that they name the actors the trace shows.
import type { CompiledSystem } from './compile.ts';
import { VectorView } from './globalView.ts';
import { NO_CHOICES } from './choiceScript.ts';
import { judgeQuiescent } from './quiescence.ts';
import type { Step } from './result.ts';
import type { StateStore } from './stateStore.ts';
import { forEachStep, forEachTimer, forEachTimerDueNow, initialState, Outcome, Stepper, StepKind, STEP_KIND_NAMES, takeStep } from './stepper.ts';
import type { LocalTransition } from './localTransition.ts';
import type { Symmetry } from './symmetry.ts';

const ROOT = -1;

export class ConcretePaths {
  private readonly stepper: Stepper;
  private readonly view: VectorView;
  private readonly canon: Int32Array;
  private readonly rep: Int32Array;

  constructor(private readonly sys: CompiledSystem, private readonly symmetry: Symmetry, private readonly store: StateStore) {
    // A stepper of its own: the explorer's may be in the middle of a step's load choices.
    this.stepper = new Stepper(sys);
    this.view = new VectorView(sys);
    this.canon = new Int32Array(sys.layout.width);
    this.rep = new Int32Array(sys.layout.width);
  }

  /** A concrete path to a state of the orbit stored at `idx`, and that state. */
  to(idx: number): { steps: Step[]; state: Int32Array } {
    const chain: number[] = [];
    for (let i = idx; i !== ROOT; i = this.store.parentOf(i)) chain.push(i);
    chain.reverse();
    let state = this.initial();
    const steps: Step[] = [];
    for (let k = 1; k < chain.length; k++) {
      this.store.read(chain[k], this.rep);
      let found: { step: Step; next: Int32Array } | null = null;
      this.forEachSuccessor(state, (step, r, next) => {
        if (r !== Outcome.Ok) return false;
        this.symmetry.canonical(next, this.canon);
        if (!equal(this.canon, this.rep)) return false;
        found = { step, next: next.slice() };
        return true;
      });
      if (found === null) throw new Error('internal error: symmetry reduction: no step reaches the next state of a counterexample (the reduction is unsound for this system; run with symmetry off and please report it)');
      steps.push((found as { step: Step }).step);
      state = (found as { next: Int32Array }).next;
    }
    return { steps, state };
  }

  /**
   * The steps of a path of the fair-cycle search's cover (checker/symmetryCover.ts) from the initial
   * state: each the step `wanted`[k] (its actor, kind and event; its load choices, which name no
   * member, being matched by the state reached), reaching exactly `states`[k].
   */
  along(wanted: readonly Step[], states: readonly Int32Array[]): Step[] {
    let state = this.initial();
    const steps: Step[] = [];
    for (let k = 0; k < wanted.length; k++) {
      let found: Step | null = null;
      const w = wanted[k];
      this.forEachSuccessor(state, (step, r, next) => {
        if (r !== Outcome.Ok || step.actor !== w.actor || step.kind !== w.kind || step.event !== w.event || !equal(next, states[k])) return false;
        found = step;
        return true;
      });
      if (found === null) throw new Error('internal error: symmetry reduction: no step reaches the next state of a lasso (the reduction is unsound for this system; run with symmetry off and please report it)');
      steps.push(found);
      state = states[k];
    }
    return steps;
  }

  /** The initial state, built again. */
  private initial(): Int32Array {
    const state = new Int32Array(this.sys.layout.width);
    if (initialState(this.sys, this.stepper, state, null) !== Outcome.Ok) throw new Error('internal error: the initial state could not be rebuilt');
    return state;
  }

  /** The message `judge` gives in the concrete state `state`, or `fallback` (said on the representative). */
  reword(state: Int32Array, fallback: string, judge: (view: VectorView) => string | null): string {
    this.view.v = state;
    try {
      return judge(this.view) ?? fallback;
    } catch {
      return fallback;
    }
  }

  /** A step from `state` that violates `property`, with its message (the explorer found one from the representative). */
  violatingStep(state: Int32Array, property: string): { step: Step; message: string } | null {
    let found: { step: Step; message: string } | null = null;
    this.forEachSuccessor(state, (step, r) => {
      if (r !== Outcome.Violation || this.stepper.violationProperty !== property) return false;
      found = { step, message: this.stepper.violationMessage };
      return true;
    });
    return found;
  }

  /** The quiescent judgement of `property` in `state`: its message and the first timer (explorer's expand). */
  quiescent(state: Int32Array, property: string): { message: string; firstTimer: Step | null } | null {
    const { sys } = this;
    let firstTimer: Step | null = null;
    forEachTimer(sys, this.stepper, state, (actor, event) => {
      firstTimer = { actor: sys.actorNames[actor], kind: 'timer', event: sys.ns.events.values[event] };
      return false;
    });
    this.view.v = state;
    const j = judgeQuiescent(sys, this.view, firstTimer).find((x) => x.property === property);
    return j ? { message: j.message, firstTimer: j.threw ? null : firstTimer } : null;
  }

  /**
   * Every step from `v` as the explorer takes them (each combination of load choices; timers due now
   * beside the other steps, every armed one when nothing else is enabled) until `visit` returns true.
   */
  private forEachSuccessor(v: Int32Array, visit: (step: Step, r: Outcome, next: Int32Array) => boolean): void {
    const { sys, stepper } = this;
    const next = new Int32Array(v.length);
    let done = false;
    const take = (actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean => {
      let script: readonly number[] | null = NO_CHOICES;
      while (script !== null && !done) {
        stepper.choices.start(script);
        next.set(v);
        const r = takeStep(stepper, next, actor, kind, event, t, null);
        if (r !== Outcome.Disabled) {
          const step: Step = { actor: sys.actorNames[actor], kind: STEP_KIND_NAMES[kind], event: sys.ns.events.values[event] };
          if (stepper.choices.taken.length > 0) step.choices = [...stepper.choices.taken];
          done = visit(step, r, next);
        }
        script = stepper.choices.advance();
      }
      return !done;
    };
    const enabled = forEachStep(sys, stepper, v, take);
    if (done) return;
    if (enabled > 0) forEachTimerDueNow(sys, stepper, v, (a, e, t) => take(a, StepKind.Timer, e, t));
    else forEachTimer(sys, stepper, v, (a, e, t) => take(a, StepKind.Timer, e, t));
  }
}

function equal(x: Int32Array, y: Int32Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
