// Liveness cost: the same model explored with no liveness property (safety only: no edges stored) and
// with one (edges stored, then the fair-cycle search), side by side in one run. Prints states, seconds,
// the ratio, and bytes per state of the state store and of the edge store (`stats.bytesPerState` is
// their sum). `npx tsx bench/liveness.ts [--large]`.
import { alwaysEventually, explore, leadsTo } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { counters } from './models.ts';
import { UNREDUCED } from './unreduced.ts';

const large = process.argv.includes('--large');
const size = large ? 44 : 30;
const base = (): SystemDefinition => counters(4, size);
const live = (): SystemDefinition => ({
  ...base(),
  properties: {
    // Holds: every counter keeps wrapping round, so the first is back at 0 on every fair run.
    wraps: alwaysEventually((g) => g.actors.c0.context.i === 0),
    firstLeads: leadsTo((g) => g.actors.c0.context.i === 1, (g) => g.actors.c0.context.i === 2),
  },
});

function run(name: string, system: SystemDefinition) {
  const t = performance.now();
  const r = explore(system, UNREDUCED);
  const seconds = (performance.now() - t) / 1000;
  console.log(`${name.padEnd(10)} ${r.verdict.padEnd(9)} states ${r.stats.states.toLocaleString('en-US').padStart(11)}  transitions ${r.stats.transitions.toLocaleString('en-US').padStart(11)}  ${seconds.toFixed(2).padStart(6)} s  ${r.stats.bytesPerState.toFixed(1)} B/state`);
  return { seconds, r };
}

const safety = run('safety', base());
const liveness = run('liveness', live());
const perEdge = 8;
const edgesPerState = liveness.r.stats.transitions / liveness.r.stats.states;
console.log(`time ratio liveness/safety: ${(liveness.seconds / safety.seconds).toFixed(2)}; edges per state ${edgesPerState.toFixed(2)}, ` +
  `so the edge store costs about ${(8 + perEdge * edgesPerState).toFixed(0)} B/state (8 per state + ${perEdge} per edge, before chunk slack), ` +
  `plus ~45 B/state of scratch during the search`);
