// Under arm a load may return any write its views allow, and the model bounds no propagation delay, so a
// liveness lasso's cycle may need a load to return an old value forever: a spin-wait that never sees
// the flag set. The architecture rules that out (a store becomes visible to every observer in finite
// time; "memory fairness", Lahav et al., "Making weak memory models fair", OOPSLA 2021), but the search
// does not assume it. So each arm lasso is replayed, and the loads that keep it going stale are named:
// a load on the cycle returning a value other than memory's latest, of a cell no step of the cycle
// stores to. Such a cell's writes stay the same all round the cycle (it repeats, and none is added), so
// repeating the cycle repeats the stale load forever. Where the cycle does store to the cell, old writes
// drop out of the history as it repeats, so every reader eventually reads past each of them: that stale
// load is not forever.
import type { Execution, StaleLoad } from './execution.ts';
import type { Step } from './result.ts';

/** The stale loads `steps` (a lasso whose cycle starts at step `cycleStart`, replayed by `exec`) repeats forever, one per actor and cell. */
export function staleForever(exec: Execution, steps: Step[], cycleStart: number): StaleLoad[] {
  if (exec.sys.memory !== 'arm') return [];
  let v = exec.initial().state;
  const stale: StaleLoad[] = [];
  const stored = new Set<string>();
  for (let i = 0; i < steps.length && v !== undefined; i++) {
    const out = exec.apply(v, steps[i]);
    if (out === null) return [];
    if (i >= cycleStart) {
      stale.push(...(out.staleLoads ?? []));
      for (const h of out.happenings) {
        if (h.what === 'write' || h.what === 'flush' || (h.what === 'rmw' && h.stored)) stored.add(h.cell);
      }
    }
    v = out.state;
  }
  const seen = new Set<string>();
  return stale.filter((s) => {
    const key = `${s.actor}\u0000${s.cell}`;
    if (stored.has(s.cell) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Said after the violation's message. */
export function staleForeverText(stale: StaleLoad[]): string {
  const loads = stale.map((s) => `${s.actor}'s load of ${s.cell} to return ${JSON.stringify(s.value)} while memory holds ${JSON.stringify(s.latest)}`);
  const cells = [...new Set(stale.map((s) => s.cell))].join(', ');
  return `but it needs ${loads.join(' and ')} forever (no step of the cycle stores to ${cells}): the hardware makes a store visible in finite time and the arm model does not assume it, so this run may not happen`;
}
