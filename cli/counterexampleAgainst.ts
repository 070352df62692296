// Replays one variant's counterexample, step by step, against another variant of the same scenario: the
// fix-modelling question "does my fix rule this run out, and where?". A step is the same step in both
// variants when the same actor takes the same kind of step with the same event. A liveness
// counterexample (a lasso) is judged at its end as a lasso in the other variant: its cycle must still
// return to its start and be a fair run that leaves the obligation open (checker/lassoJudgement.ts).
import { Execution } from '../checker/index.ts';
import type { Step, SystemDefinition, Violation } from '../checker/index.ts';

export type Against =
  /** Step `step` (1-based) is not enabled in the other variant: the run becomes impossible there. */
  | { kind: 'impossible'; step: number; taken: Step; enabled: Step[] }
  /** The same steps reach a violation (of `property`) at step `step`. */
  | { kind: 'violated'; step: number; property: string; message: string }
  /** Step `step` would post to a full in-flight queue: past the model's bound, so no answer. */
  | { kind: 'bounded'; step: number; reason: string }
  /**
   * Every step is possible, and no invariant or stall property is violated along them; for a lasso,
   * `notLasso` says why it is no liveness counterexample there.
   */
  | { kind: 'harmless'; steps: number; notLasso?: string };

export const describeStep = (s: Step) => `${s.actor} ${s.kind} ${s.event.type}`;

export function counterexampleAgainst(system: SystemDefinition, violation: Violation): Against {
  const exec = new Execution(system);
  const init = exec.initial();
  if (init.violation) return { kind: 'violated', step: 0, ...init.violation };
  let v = init.state!;
  const states = [v];
  const broken = exec.invariantViolations(v);
  if (broken.length > 0) return { kind: 'violated', step: 0, ...broken[0] };
  for (let i = 0; i < violation.steps.length; i++) {
    const step = violation.steps[i];
    // A stall is judged where only timers can fire; its counterexample ends with the watchdog timer.
    const stalled = judgeBefore(exec, v, violation.property);
    if (stalled) return { kind: 'violated', step: i + 1, ...stalled };
    const enabled = exec.enabled(v);
    const out = exec.apply(v, step);
    if (out === null) return { kind: 'impossible', step: i + 1, taken: step, enabled };
    if (out.violation) return { kind: 'violated', step: i + 1, ...out.violation };
    if (out.bound) return { kind: 'bounded', step: i + 1, reason: out.bound };
    v = out.state!;
    states.push(v);
    const bad = exec.invariantViolations(v);
    if (bad.length > 0) return { kind: 'violated', step: i + 1, ...bad[0] };
  }
  // The state the steps end in is judged too, as the explorer judges every state it reaches: a trace of
  // a model with no watchdog timer ends in the stalled (or deadlocked) state itself.
  const atEnd = judgeBefore(exec, v, violation.property);
  if (atEnd) return { kind: 'violated', step: violation.steps.length, ...atEnd };
  if (violation.cycleStart !== undefined && exec.isLiveness(violation.property)) {
    const lasso = exec.lassoJudgement(violation.property, states, violation.steps, violation.cycleStart);
    if (lasso.violated) return { kind: 'violated', step: violation.steps.length, property: violation.property, message: lasso.message };
    return { kind: 'harmless', steps: violation.steps.length, notLasso: lasso.reason };
  }
  return { kind: 'harmless', steps: violation.steps.length };
}

/** The quiescent judgement of `v` (checker/quiescence.ts), preferring the property the trace is about. */
function judgeBefore(exec: Execution, v: Int32Array, property: string): { property: string; message: string } | null {
  const found = exec.quiescentJudgement(v);
  if (found.length === 0) return null;
  const { property: p, message } = found.find((j) => j.property === property) ?? found[0];
  return { property: p, message };
}
