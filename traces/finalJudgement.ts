// Which violations the end of a replayed run shows, judged the way the explorer judges them
// (checker/explorer.ts): a violation raised by the last step itself; an invariant broken in the final
// state; a stall, judged at the quiescent state before the watchdog timer that ends the trace (or at
// the final state when nothing at all can fire); a deadlock at a final state with nothing enabled.
import { VectorView } from '../checker/globalView.ts';
import { deadlockAt, quiescenceReason, stallsAt } from '../checker/quiescence.ts';
import type { Execution, Step, StepOutcome } from '../checker/index.ts';

export interface Judged { property: string; message: string }

export function finalJudgement(exec: Execution, before: Int32Array | null, last: Step | null, outcome: StepOutcome): Judged[] {
  if (outcome.violation) return [outcome.violation];
  const final = outcome.state!;
  const out: Judged[] = [...exec.invariantViolations(final)];
  if (last?.kind === 'timer' && before) out.push(...stalls(exec, before, quiescenceReason(last)));
  if (exec.enabled(final).length === 0) {
    const stalled = stalls(exec, final, quiescenceReason(null));
    out.push(...stalled);
    const deadlock = stalled.length === 0 ? deadlockAt(exec.sys, viewOf(exec, final)) : null;
    if (deadlock) out.push(deadlock);
  }
  return out;
}

/** Stall properties with work outstanding in `v`, provided only timers (or nothing) can fire there. */
function stalls(exec: Execution, v: Int32Array, reason: string): Judged[] {
  if (exec.enabled(v).some((s) => s.kind !== 'timer')) return [];
  return stallsAt(exec.sys, viewOf(exec, v), reason).map(({ property, message }) => ({ property, message }));
}

function viewOf(exec: Execution, v: Int32Array): VectorView {
  const view = new VectorView(exec.sys);
  view.v = v;
  return view;
}
