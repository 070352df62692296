// Which violations the end of a replayed run shows, judged the way the explorer judges them
// (checker/explorer.ts): a violation raised by the last step itself; an invariant broken in the final
// state; a stall, judged at the quiescent state before the watchdog timer that ends the trace (or at
// the final state when nothing at all can fire); a deadlock at a final state with nothing enabled.
import { VectorView } from '../checker/globalView.ts';
import { BUILTIN } from '../checker/index.ts';
import type { Execution, Step, StepOutcome } from '../checker/index.ts';

export interface Judged { property: string; message: string }

export function finalJudgement(exec: Execution, before: Int32Array | null, last: Step | null, outcome: StepOutcome): Judged[] {
  if (outcome.violation) return [outcome.violation];
  const final = outcome.state!;
  const out: Judged[] = [...exec.invariantViolations(final)];
  if (last?.kind === 'timer' && before) out.push(...stalls(exec, before, `only timers can fire (${last.actor}: ${last.event.type})`));
  const enabled = exec.enabled(final);
  if (enabled.length === 0) {
    const stalled = stalls(exec, final, 'nothing can fire');
    out.push(...stalled);
    if (stalled.length === 0 && exec.sys.definition.deadlock !== false) {
      let atEnd: boolean;
      try {
        atEnd = atEndState(exec, final);
      } catch (e) {
        out.push({ property: BUILTIN.modelError, message: `endState threw: ${e instanceof Error ? e.message : String(e)}` });
        return out;
      }
      if (!atEnd) out.push({ property: BUILTIN.deadlock, message: `no step is enabled and ${idleActors(exec, final)} not at an end state` });
    }
  }
  return out;
}

/** Stall properties with work outstanding in `v`, provided only timers (or nothing) can fire there. */
function stalls(exec: Execution, v: Int32Array, why: string): Judged[] {
  if (exec.enabled(v).some((s) => s.kind !== 'timer')) return [];
  try {
    return exec.outstandingWork(v).map((w) => ({ property: w.property, message: `${why} while work is outstanding: ${w.work}` }));
  } catch (e) {
    return [{ property: BUILTIN.modelError, message: `a stall property threw: ${e instanceof Error ? e.message : String(e)}` }];
  }
}

function atEndState(exec: Execution, v: Int32Array): boolean {
  const { sys } = exec;
  if (sys.definition.endState) {
    const view = new VectorView(sys);
    view.v = v;
    return sys.definition.endState(view);
  }
  return sys.actors.every((a, i) => a.states.info[v[i]].atEnd);
}

/** The explorer's wording: `worker ("stuck") is` / `a ("x"), b ("y") are`. */
function idleActors(exec: Execution, v: Int32Array): string {
  const names = exec.sys.actors.flatMap((a, i) => (a.states.info[v[i]].atEnd ? [] : [`${a.name} (${JSON.stringify(a.states.snapshot(v[i]).value)})`]));
  return names.length === 1 ? `${names[0]} is` : `${names.join(', ')} are`;
}
