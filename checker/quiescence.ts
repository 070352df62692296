// Judging a quiescent state, where only timers (or nothing) can fire: stalls and deadlocks. One
// definition serves the explorer and trace replay, so a replayed counterexample is judged, and worded,
// exactly as it was found.
import type { CompiledSystem } from './compile.ts';
import type { VectorView } from './globalView.ts';
import { BUILTIN } from './properties.ts';

export interface QuiescentJudgement {
  property: string;
  message: string;
  /** For a stall, the outstanding work the property named (or, when it threw, the error). */
  work?: string;
  /** A property or `endState` threw: the judgement is a modelError, not a stall or deadlock. */
  threw: boolean;
}

/** Why nothing but timers runs: the first armed timer, or nothing at all. */
export function quiescenceReason(firstTimer: { actor: string; event: { type: string } } | null): string {
  return firstTimer ? `only timers can fire (${firstTimer.actor}: ${firstTimer.event.type})` : 'nothing can fire';
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Stall properties with work outstanding in the quiescent state `view`, worded with `reason`. */
export function stallsAt(sys: CompiledSystem, view: VectorView, reason: string): QuiescentJudgement[] {
  const out: QuiescentJudgement[] = [];
  for (const [name, p] of sys.stalls) {
    let work: string | false | undefined | null;
    try {
      work = p.outstanding(view);
    } catch (e) {
      const error = `stall property ${name} threw: ${messageOf(e)}`;
      out.push({ property: BUILTIN.modelError, message: error, work: error, threw: true });
      continue;
    }
    if (work) out.push({ property: name, message: `${reason} while work is outstanding: ${work}`, work, threw: false });
  }
  return out;
}

/** At a state where nothing at all can fire: a deadlock unless it is an end state (or deadlocks are off). */
export function deadlockAt(sys: CompiledSystem, view: VectorView): QuiescentJudgement | null {
  if (sys.definition.deadlock === false) return null;
  const v = view.v;
  let atEnd: boolean;
  try {
    atEnd = sys.definition.endState ? sys.definition.endState(view) : sys.actors.every((a, i) => a.states.info[v[i]].atEnd);
  } catch (e) {
    return { property: BUILTIN.modelError, message: `endState threw: ${messageOf(e)}`, threw: true };
  }
  if (atEnd) return null;
  const idle = sys.actors.flatMap((a, i) => (a.states.info[v[i]].atEnd ? [] : [`${a.name} (${JSON.stringify(a.states.snapshot(v[i]).value)})`]));
  const who = idle.length === 1 ? `${idle[0]} is` : `${idle.join(', ')} are`;
  return { property: BUILTIN.deadlock, message: `no step is enabled and ${who} not at an end state`, threw: false };
}

/**
 * Everything wrong with a quiescent state (no non-timer step enabled): the stalls and, when nothing at
 * all can fire and nothing stalled, a deadlock. `firstTimer` is the first armed timer, if any.
 */
export function judgeQuiescent(sys: CompiledSystem, view: VectorView, firstTimer: { actor: string; event: { type: string } } | null): QuiescentJudgement[] {
  const stalls = stallsAt(sys, view, quiescenceReason(firstTimer));
  if (firstTimer || stalls.length > 0) return stalls;
  const deadlock = deadlockAt(sys, view);
  return deadlock ? [deadlock] : [];
}
