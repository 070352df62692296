// Judging a liveness counterexample that is given as steps (a replayed trace, a counterexample tried on
// another variant), by the definitions the explorer's search uses (checker/fairness.ts): the steps are
// a prefix and a cycle (or a run that ends), the obligation is open from where it was last triggered to
// the end, the cycle returns to the state it starts in and is fair, or the run ends with nothing enabled.
import type { Execution } from './execution.ts';
import { monitorStep, fairnessRules, unfairness } from './fairness.ts';
import type { CycleState, Move } from './fairness.ts';
import { judgedTrue } from './properties.ts';
import type { LivenessProperty } from './properties.ts';
import type { Step } from './result.ts';
import { VectorView } from './globalView.ts';
import { staleForever, staleForeverText } from './staleReads.ts';

export type LassoVerdict = { violated: true; message: string } | { violated: false; reason: string };

/**
 * `states[i]` is the state after step i (`states[0]` the initial state); `cycleStart` as in
 * Violation.cycleStart.
 */
export function judgeLasso(exec: Execution, property: string, states: Int32Array[], steps: Step[], cycleStart: number | null): LassoVerdict {
  const p = exec.sys.liveness.find(([name]) => name === property)?.[1];
  if (!p) return { violated: false, reason: `${property} is not a liveness property of this system` };
  const view = new VectorView(exec.sys);
  const at = (i: number) => { view.v = states[i]; return view; };
  let open = false;
  let triggerStep = 0;
  const opens: boolean[] = [];
  try {
    for (let i = 0; i < states.length; i++) {
      const was = open;
      open = monitorStep(p.form, open, i === 0, judgedTrue(p.trigger(at(i))), judgedTrue(p.goal(at(i))));
      if (open && !was) triggerStep = i;
      opens.push(open);
    }
  } catch (e) {
    return { violated: false, reason: `${property}'s trigger or goal threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  const end = steps.length;
  const from = cycleStart ?? end;
  const met = opens.slice(from).indexOf(false);
  if (met >= 0) return { violated: false, reason: `the goal of ${property} holds after step ${from + met}` };
  if (cycleStart === null) {
    const enabled = exec.enabled(states[end]);
    if (enabled.length > 0) return { violated: false, reason: `the run does not end after step ${end}: ${enabled.length} step(s) are enabled there` };
    return { violated: true, message: livenessMessage(p, triggerText(p, at(triggerStep)), triggerStep, end, null) };
  }
  if (cycleStart >= end) return { violated: false, reason: 'the cycle has no steps' };
  if (!sameState(states[end], states[cycleStart])) return { violated: false, reason: `the cycle does not return to the state after step ${cycleStart}` };
  const names = exec.sys.actorNames;
  const move = (s: Step): Move => ({ actor: names.indexOf(s.actor), type: s.event.type });
  const cycle: CycleState[] = steps.slice(cycleStart).map((s, k) => ({ enabled: exec.enabled(states[cycleStart + k]).map(move), taken: move(s) }));
  const why = unfairness(cycle, fairnessRules(exec.sys), names);
  if (why !== null) return { violated: false, reason: `the cycle is not a fair run: ${why}` };
  const message = livenessMessage(p, triggerText(p, at(triggerStep)), triggerStep, cycleStart, end - cycleStart);
  const stale = staleForever(exec, steps, cycleStart);
  return { violated: true, message: stale.length > 0 ? `${message}, ${staleForeverText(stale)}` : message };
}

function sameState(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What the trigger said where the open obligation began (a string it returned), if anything. */
export function triggerText(p: LivenessProperty, view: VectorView): string | null {
  if (p.form !== 'leadsTo') return null;
  try {
    const t = p.trigger(view);
    return typeof t === 'string' && t.length > 0 ? t : null;
  } catch {
    return null;
  }
}

/** The one-line message of a liveness violation, worded the same wherever it is judged. */
export function livenessMessage(p: LivenessProperty, trigger: string | null, triggerStep: number, prefix: number, cycle: number | null): string {
  const after = triggerStep === 0 ? 'from the initial state on' : `from step ${triggerStep} on`;
  const head = p.form === 'eventually' ? 'the goal never holds'
    : p.form === 'alwaysEventually' ? `the goal never holds ${after}` : `${trigger ?? 'the trigger holds'}, ${after}, and the goal never follows`;
  if (cycle === null) return `${head}: the run ends after step ${prefix} with nothing left to fire`;
  const from = prefix + 1;
  const to = prefix + cycle;
  return `${head}: a fair run repeats ${from === to ? `step ${from}` : `steps ${from}-${to}`} forever`;
}
