// Replays one variant's counterexample, step by step, against another variant of the same scenario: the
// fix-modelling question "does my fix rule this run out, and where?". A step is the same step in both
// variants when the same actor takes the same kind of step with the same event.
import { Execution } from '../checker/index.ts';
import type { Step, SystemDefinition, Violation } from '../checker/index.ts';

export type Against =
  /** Step `step` (1-based) is not enabled in the other variant: the run becomes impossible there. */
  | { kind: 'impossible'; step: number; taken: Step; enabled: Step[] }
  /** The same steps reach a violation (of `property`) at step `step`. */
  | { kind: 'violated'; step: number; property: string; message: string }
  /** Step `step` would post to a full in-flight queue: past the model's bound, so no answer. */
  | { kind: 'bounded'; step: number; reason: string }
  /** Every step is possible, and no invariant or stall property is violated along them. */
  | { kind: 'harmless'; steps: number };

export const describeStep = (s: Step) => `${s.actor} ${s.kind} ${s.event.type}`;

export function counterexampleAgainst(system: SystemDefinition, violation: Violation): Against {
  const exec = new Execution(system);
  const init = exec.initial();
  if (init.violation) return { kind: 'violated', step: 0, ...init.violation };
  let v = init.state!;
  const broken = exec.invariantViolations(v);
  if (broken.length > 0) return { kind: 'violated', step: 0, ...broken[0] };
  for (let i = 0; i < violation.steps.length; i++) {
    const step = violation.steps[i];
    const enabled = exec.enabled(v);
    // A stall is judged where only timers can fire; its counterexample ends with the watchdog timer.
    if (enabled.every((s) => s.kind === 'timer')) {
      const stalled = exec.outstandingWork(v);
      if (stalled.length > 0) {
        const match = stalled.find((w) => w.property === violation.property) ?? stalled[0];
        return { kind: 'violated', step: i + 1, property: match.property, message: match.work };
      }
    }
    const out = exec.apply(v, step);
    if (out === null) return { kind: 'impossible', step: i + 1, taken: step, enabled };
    if (out.violation) return { kind: 'violated', step: i + 1, ...out.violation };
    if (out.bound) return { kind: 'bounded', step: i + 1, reason: out.bound };
    v = out.state!;
    const bad = exec.invariantViolations(v);
    if (bad.length > 0) return { kind: 'violated', step: i + 1, ...bad[0] };
  }
  return { kind: 'harmless', steps: violation.steps.length };
}
