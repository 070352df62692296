// Benchmarks: `npm run bench` prints a table; `npm run bench -- --json` prints one JSON line per
// benchmark. `--only NAME` runs one; `--large` adds a 52-million-state run that exercises the store's
// capacity (a few GB of memory, about two minutes) and four kvm-vcpu-kick pairs under tso, 13.8M states
// unreduced against 635k orbits with symmetry (about four minutes); `--baseline` also explores each built-in scenario
// with the plain brute-force reference (test/reference/bruteForce.ts: XState on every step, a Set of
// strings) and reports the speed-up as a ratio measured side by side in the same run; `--paranoid`
// explores with the purity audit on every memoised transition (ExploreOptions.paranoid). The weak-memory
// benchmarks run each model under tso or arm and under sc in the same run, and report both ratios. Last
// come the partial-order reduction's rows (bench/partialOrder.ts; `--only partial-order`), then the SPIN comparison on the ring model (bench/ringVsSpin.ts; `--only ring-vs-spin` runs it alone,
// skipped when spin is not installed): 65k and 168k states by default, 1.2M and 2.9M with `--large`;
// `--repeat N` runs each side N times, interleaved, and keeps the fastest. Before it, `store-kinds`
// (bench/storeKinds.ts: the full store against compact and bitstate) and `workers` (bench/workers.ts:
// the CLI with --workers 1 against --workers 2) and `parallel-search` (bench/parallelSearch.ts: one
// exhaustive search on one thread against two, ExploreOptions.threads), each also alone with --only and
// also taking --repeat.
import { explore } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { bruteForce } from '../test/reference/bruteForce.ts';
import { counters, kvmKick, mailboxes, ringOfStores, withWorkTaken } from './models.ts';
import { ringVsSpin } from './ringVsSpin.ts';
import { storeKinds } from './storeKinds.ts';
import { workersSpeedup } from './workers.ts';
import { PARTIAL_ORDER_CASES, partialOrderBench } from './partialOrder.ts';
import { parallelSearchSpeedup } from './parallelSearch.ts';
import { UNREDUCED } from './unreduced.ts';

interface Benchmark {
  name: string;
  /** A weak-memory benchmark: the same model is also run under sc (its twin), and the ratios reported. */
  scTwin?: () => SystemDefinition;
  system: () => SystemDefinition;
  /** The state count the benchmark must reach (an independent figure, checked on every run). */
  expectedStates?: number;
  /** Also time the brute-force reference on it with --baseline. */
  baseline?: boolean;
  /** A symmetric system: also run with symmetry reduction, its verdict asserted equal and the ratios reported; the orbits it must store. */
  symmetry?: { expectedOrbits: number };
}

const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n - 1, k - 1) * n) / k);

const benchmarks: Benchmark[] = [
  // k^n states by construction.
  { name: 'counters-4x34', system: () => counters(4, 34), expectedStates: 34 ** 4 },
  { name: 'mailboxes-3x9', system: () => mailboxes(3, 9, 3) },
  // The same ring of stores and loads under x86-TSO and ARMv8, each beside its SC twin.
  { name: 'ring-of-stores-5x2-tso', system: () => ringOfStores(5, 2, 'tso'), scTwin: () => ringOfStores(5, 2, 'sc') },
  { name: 'ring-of-stores-2x10-arm', system: () => ringOfStores(2, 10, 'arm'), scTwin: () => ringOfStores(2, 10, 'sc') },
  // Three interchangeable vCPU/requester pairs, with and without symmetry reduction: k^3 states, C(k + 2, 3) orbits.
  { name: 'kvm-vcpu-kick-3-sc-symmetry', system: () => kvmKick('sc', 3), expectedStates: 40 ** 3, symmetry: { expectedOrbits: choose(42, 3) } },
  { name: 'kvm-vcpu-kick-3-arm-symmetry', system: () => kvmKick('arm', 3), expectedStates: 88 ** 3, symmetry: { expectedOrbits: choose(90, 3) } },
  // The same with a liveness property (queued work is taken): judged over the orbits' cover, which must have every concrete state.
  { name: 'kvm-vcpu-kick-3-tso-liveness-symmetry', system: () => withWorkTaken(kvmKick('tso', 3), 3), expectedStates: 61 ** 3, symmetry: { expectedOrbits: choose(63, 3) } },
  { name: 'kvm-vcpu-kick-3-arm-liveness-symmetry', system: () => withWorkTaken(kvmKick('arm', 3), 3), expectedStates: 88 ** 3, symmetry: { expectedOrbits: choose(90, 3) } },
];
// The built-in scenarios' verified variants: real models, where XState's own work (memo misses) counts.
const scenarios: Benchmark[] = builtinScenarios.flatMap((sc) =>
  sc.variants.filter((v) => v.expected === 'verified' && sc.name !== 'peterson' && sc.name !== 'lost-wakeup')
    .map((v) => ({ name: `${sc.name}/${v.name}`, system: v.system, baseline: true })));
const large: Benchmark[] = [
  { name: 'counters-5x35', system: () => counters(5, 35), expectedStates: 35 ** 5 },
  // Four pairs under x86-TSO: 61 states a pair, so 61^4 states and C(64, 4) orbits (the pairs share nothing;
  // test/symmetry.test.ts checks one pair's count and the product at two pairs); about 2 minutes unreduced.
  { name: 'kvm-vcpu-kick-4-tso-symmetry', system: () => kvmKick('tso', 4), expectedStates: 61 ** 4, symmetry: { expectedOrbits: choose(64, 4) } },
];

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const withBaseline = args.includes('--baseline');
const paranoid = args.includes('--paranoid');
const RING = 'ring-vs-spin';
const STORE_KINDS = 'store-kinds';
const WORKERS = 'workers';
const POR = 'partial-order';
const PARALLEL_SEARCH = 'parallel-search';
const SEPARATE = [STORE_KINDS, WORKERS, POR, PARALLEL_SEARCH, RING];
const porSelected = !only || only === POR || PARTIAL_ORDER_CASES.some((c) => only === `${POR}/${c.name}`);
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 1;
const selected = [...benchmarks, ...scenarios, ...(args.includes('--large') ? large : [])].filter((b) => !only || b.name === only);
if (selected.length === 0 && !SEPARATE.includes(only!) && !porSelected) {
  console.error(`bench: no benchmark named '${only}' (have: ${[...benchmarks, ...scenarios, ...large].map((b) => b.name).join(', ')}, ${SEPARATE.join(', ')})`);
  process.exit(2);
}

const cpuSeconds = (since: NodeJS.CpuUsage) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1e6; };

let failed = false;
for (const b of selected) {
  const cpu = process.cpuUsage();
  const r = explore(b.system(), { paranoid, ...UNREDUCED });
  const offCpu = cpuSeconds(cpu);
  const row: Record<string, string | number> = {
    name: b.name,
    states: r.stats.states,
    transitions: r.stats.transitions,
    seconds: Number(r.stats.seconds.toFixed(3)),
    statesPerSec: Math.round(r.stats.statesPerSec),
    bytesPerState: Number(r.stats.bytesPerState.toFixed(1)),
    verdict: r.verdict,
  };
  if (b.scTwin) {
    const twin = explore(b.scTwin(), UNREDUCED);
    row.scStates = twin.stats.states;
    row.stateRatio = Number((r.stats.states / twin.stats.states).toFixed(1));
    row.statesPerSecRatio = Number((r.stats.statesPerSec / twin.stats.statesPerSec).toFixed(2));
  }
  if (b.symmetry) {
    // Side by side in this run: each search on a freshly compiled system, CPU time of the search alone.
    const onCpu = process.cpuUsage();
    const on = explore(b.system(), { paranoid, symmetry: true });
    const seconds = cpuSeconds(onCpu);
    row.cpuSeconds = Number(offCpu.toFixed(2));
    row.symmetryStates = on.stats.states;
    row.symmetryCpuSeconds = Number(seconds.toFixed(2));
    row.symmetryVerdict = on.verdict;
    row.stateReduction = Number((r.stats.states / on.stats.states).toFixed(2));
    row.cpuReduction = Number((offCpu / seconds).toFixed(2));
    if (on.verdict !== r.verdict || on.stats.symmetry?.applied !== true) {
      console.error(`bench: ${b.name}: with symmetry ${on.verdict} (${on.stats.symmetry?.note}), without ${r.verdict}`);
      failed = true;
    }
    const cover = on.stats.symmetry?.cover;
    if (cover !== undefined && cover !== r.stats.states) {
      console.error(`bench: ${b.name}: the liveness search's cover has ${cover} states, the unreduced search ${r.stats.states}`);
      failed = true;
    }
    if (on.stats.states !== b.symmetry.expectedOrbits || on.stats.symmetry?.represented !== r.stats.states) {
      console.error(`bench: ${b.name}: with symmetry ${on.stats.states} orbits standing for ${on.stats.symmetry?.represented} states, expected ${b.symmetry.expectedOrbits} for ${r.stats.states}`);
      failed = true;
    }
  }
  if (withBaseline && b.baseline) {
    const started = performance.now();
    const ref = bruteForce(b.system(), 10_000_000);
    const refSeconds = (performance.now() - started) / 1000;
    if (ref.states !== r.stats.states) {
      console.error(`bench: ${b.name}: the reference reached ${ref.states} states, the explorer ${r.stats.states}`);
      failed = true;
    }
    row.referenceSeconds = Number(refSeconds.toFixed(3));
    row.speedup = Number((refSeconds / r.stats.seconds).toFixed(1));
  }
  if (b.expectedStates !== undefined && r.stats.states !== b.expectedStates) {
    console.error(`bench: ${b.name} reached ${r.stats.states} states, expected ${b.expectedStates}`);
    failed = true;
  }
  if (json) console.log(JSON.stringify(row));
  else {
    const vsReference = row.speedup !== undefined ? `  ${row.speedup}x the reference (${row.referenceSeconds}s)` : '';
    const vsSc = row.stateRatio !== undefined ? `  vs sc twin: ${row.stateRatio}x the states (${row.scStates}), ${row.statesPerSecRatio}x the states/s` : '';
    const vsSymmetry = row.symmetryStates !== undefined
      ? `  with symmetry: ${row.symmetryStates} orbits, ${row.symmetryCpuSeconds} CPU-s vs ${row.cpuSeconds} (${row.stateReduction}x fewer states, ${row.cpuReduction}x less CPU), ${row.symmetryVerdict}` : '';
    console.log(`${String(row.name).padEnd(40)} ${String(row.states).padStart(10)} states ${String(row.statesPerSec).padStart(9)} states/s ${String(row.bytesPerState).padStart(8)} B/state ${row.seconds}s ${row.verdict}${vsReference}${vsSc}${vsSymmetry}`);
  }
}
const runs = Number.isInteger(repeat) && repeat > 0 ? repeat : 1;
if ((!only || only === STORE_KINDS) && !storeKinds({ repeat: runs, json })) failed = true;
if ((!only || only === WORKERS) && !workersSpeedup({ repeat: runs, json })) failed = true;
if (porSelected && !partialOrderBench({ json, only })) failed = true;
if ((!only || only === PARALLEL_SEARCH) && !(await parallelSearchSpeedup({ repeat: runs, json }))) failed = true;
if (!only || only === RING) {
  if (!ringVsSpin({ large: args.includes('--large'), repeat: runs, json })) failed = true;
}
process.exit(failed ? 1 : 0);
