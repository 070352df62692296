// Benchmarks: `npm run bench` prints a table; `npm run bench -- --json` prints one JSON line per
// benchmark. `--only NAME` runs one; `--large` adds a 52-million-state run that exercises the store's
// capacity (a few GB of memory, about a minute). Compare figures as ratios within one run.
import { explore } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { counters, mailboxes } from './models.ts';

interface Benchmark {
  name: string;
  system: () => SystemDefinition;
  /** The state count the benchmark must reach (an independent figure, checked on every run). */
  expectedStates?: number;
}

const benchmarks: Benchmark[] = [
  // k^n states by construction.
  { name: 'counters-4x34', system: () => counters(4, 34), expectedStates: 34 ** 4 },
  { name: 'mailboxes-3x9', system: () => mailboxes(3, 9, 3) },
];
const large: Benchmark[] = [{ name: 'counters-5x35', system: () => counters(5, 35), expectedStates: 35 ** 5 }];

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const selected = [...benchmarks, ...(args.includes('--large') ? large : [])].filter((b) => !only || b.name === only);
if (selected.length === 0) {
  console.error(`bench: no benchmark named '${only}' (have: ${[...benchmarks, ...large].map((b) => b.name).join(', ')})`);
  process.exit(2);
}

let failed = false;
for (const b of selected) {
  const r = explore(b.system());
  const row = {
    name: b.name,
    states: r.stats.states,
    transitions: r.stats.transitions,
    seconds: Number(r.stats.seconds.toFixed(3)),
    statesPerSec: Math.round(r.stats.statesPerSec),
    bytesPerState: Number(r.stats.bytesPerState.toFixed(1)),
    verdict: r.verdict,
  };
  if (b.expectedStates !== undefined && r.stats.states !== b.expectedStates) {
    console.error(`bench: ${b.name} reached ${r.stats.states} states, expected ${b.expectedStates}`);
    failed = true;
  }
  if (json) console.log(JSON.stringify(row));
  else console.log(`${row.name.padEnd(16)} ${String(row.states).padStart(10)} states ${String(row.statesPerSec).padStart(9)} states/s ${String(row.bytesPerState).padStart(6)} B/state ${row.seconds}s ${row.verdict}`);
}
process.exit(failed ? 1 : 0);
