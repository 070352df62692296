// Counterexample soundness: re-execute a violation's steps from the initial state with `Execution` and
// confirm that they reach what the violation claims. Throws (with the reason) when they do not.
import { Execution } from '../../checker/index.ts';
import type { SystemDefinition, Violation } from '../../checker/index.ts';

/**
 * Replays `v` and returns where it shows: the number of steps up to the violating state (invariant,
 * deadlock, stall) or up to and including the failing step.
 */
export function replayViolation(system: SystemDefinition, v: Violation): number {
  const ex = new Execution(system);
  const fail = (why: string): never => { throw new Error(`counterexample for ${v.property} (${v.steps.length} steps) unsound: ${why}`); };
  const init = ex.initial();
  const kind = system.properties?.[v.property]?.kind;

  if (init.violation) {
    if (v.steps.length !== 0) fail('the initial state already fails, but the counterexample has steps');
    if (init.violation.property !== v.property) fail(`the initial state fails ${init.violation.property}`);
    return 0;
  }
  const states: Int32Array[] = [init.state!];
  let last = init;
  for (let i = 0; i < v.steps.length; i++) {
    const step = v.steps[i];
    if (!last.state) fail(`step ${i} follows a step that ended in ${last.violation?.property ?? 'a bound'}`);
    const out = ex.apply(last.state!, step);
    if (out === null) fail(`step ${i} (${step.actor} ${step.kind} ${step.event.type}) is not enabled`);
    last = out!;
    if (last.state) states.push(last.state);
  }

  if (kind === 'stall') {
    // The counterexample ends with the watchdog (the first armed timer) when one is armed at the stalled
    // state, and at the stalled state itself when nothing at all can fire.
    const n = v.steps.length;
    const stalled = (at: Int32Array | undefined) =>
      at !== undefined && ex.enabled(at).every((s) => s.kind === 'timer') && ex.outstandingWork(at).some((w) => w.property === v.property);
    if (n > 0 && v.steps[n - 1].kind === 'timer' && stalled(states[n - 1])) return n - 1;
    if (stalled(last.state) && ex.enabled(last.state!).length === 0) return n;
    fail('neither the final state nor the one before a final watchdog step is stalled');
  }

  if (last.violation) {
    if (last.violation.property !== v.property) fail(`the last step fails ${last.violation.property}`);
    return v.steps.length;
  }
  if (!last.state) fail(`the last step hit a bound: ${last.bound}`);
  const final = last.state!;
  if (v.property === 'deadlock') {
    if (ex.enabled(final).length !== 0) fail('a step is enabled in the final state');
    return v.steps.length;
  }
  if (!ex.invariantViolations(final).some((p) => p.property === v.property)) fail('the final state satisfies it');
  return v.steps.length;
}
