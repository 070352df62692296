// The SPIN comparison: the ring model (bench/ringModel.ts) explored by vmbus-check and, generated as
// Promela (bench/ringPromela.ts), by SPIN 6.5.2 (`spin -a`, `gcc -O2 -DSAFETY -DNOREDUCE`, `pan`), on
// the same machine in the same run. State counts must be equal before any speed is reported. Then time
// to first counterexample end to end: the CLI (start-up included) against spin -a + gcc + pan (DFS and
// -DBFS), CPU seconds throughout (the machine is shared, so wall time says little).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ringName } from './ringModel.ts';
import type { RingBug, RingParams } from './ringModel.ts';
import { ringPromela } from './ringPromela.ts';
import { runSpin, spinAvailable } from './spin.ts';
import type { SpinRun } from './spin.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

interface JsRun { states: number; verdict: string; cpuSeconds: number; bytesPerState: number; peakRssBytes: number }

function runJs(p: RingParams): JsRun {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/ringWorker.ts'), String(p.channels), String(p.slots), String(p.values), p.bug ?? 'none'],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as JsRun;
}

/** CPU seconds (user + system) of a command and its children, from GNU time. */
function cpuOf(cmd: string[]): { cpuSeconds: number; output: string } {
  const out = execFileSync('bash', ['-c', `/usr/bin/time -f 'CPU %U %S' "$@" 2>&1; true`, 'cpu', ...cmd], { cwd: root, encoding: 'utf8' });
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(out);
  return { cpuSeconds: m ? Number(m[1]) + Number(m[2]) : NaN, output: out };
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const best = <T>(runs: T[], cost: (r: T) => number) => runs.reduce((a, b) => (cost(b) < cost(a) ? b : a));

export interface RingComparisonOptions { large: boolean; repeat: number; json: boolean }

/** Runs the comparison; returns false when a check failed (unequal counts, a wrong verdict). */
export function ringVsSpin(opts: RingComparisonOptions): boolean {
  if (!spinAvailable()) {
    console.log('ring-vs-spin: skipped, spin or gcc is not installed (apt-get install spin)');
    return true;
  }
  const sizes: RingParams[] = opts.large
    ? [{ channels: 2, slots: 8, values: 8 }, { channels: 2, slots: 10, values: 10 }]
    : [{ channels: 2, slots: 4, values: 4 }, { channels: 2, slots: 5, values: 5 }];
  let ok = true;
  for (const p of sizes) {
    const js: JsRun[] = [];
    const spin: SpinRun[] = [];
    // Interleaved, so that both sides see the same load; the fastest run of each is reported.
    for (let i = 0; i < opts.repeat; i++) {
      js.push(runJs(p));
      spin.push(runSpin(ringPromela(p), { hashBits: 24 }));
    }
    const j = best(js, (r) => r.cpuSeconds);
    const s = best(spin, (r) => r.panCpuSeconds);
    if (j.states !== s.states || j.verdict !== 'verified' || s.errors !== 0) {
      console.error(`ring-vs-spin: ${ringName(p)}: vmbus-check ${j.states} states (${j.verdict}), SPIN ${s.states} states (${s.errors} errors)`);
      ok = false;
      continue;
    }
    const jsRate = j.states / j.cpuSeconds;
    const spinRate = s.states / s.panCpuSeconds;
    const row = {
      name: ringName(p), states: j.states, repeat: opts.repeat,
      jsCpuSeconds: j.cpuSeconds, spinCpuSeconds: s.panCpuSeconds, ratioVsSpin: jsRate / spinRate,
      jsBytesPerState: j.bytesPerState, spinBytesPerState: s.panStateBytes / s.states,
      jsPeakRssBytes: j.peakRssBytes, spinPeakRssBytes: s.panPeakRssBytes,
    };
    if (opts.json) console.log(JSON.stringify(row));
    else {
      console.log(`${row.name.padEnd(24)} ${String(row.states).padStart(9)} states (equal)  vmbus-check ${Math.round(jsRate)} states/CPU-s, SPIN ${Math.round(spinRate)}: ${row.ratioVsSpin.toFixed(2)}x SPIN`
        + `  | ${row.jsBytesPerState.toFixed(1)} B/state vs SPIN ${row.spinBytesPerState.toFixed(1)}  | peak RSS ${mb(row.jsPeakRssBytes)} vs SPIN ${mb(row.spinPeakRssBytes)}`);
    }
  }
  ok = firstCounterexample(opts) && ok;
  return ok;
}

/**
 * Time to the first counterexample, end to end, on a shallow and a medium bug (bench/ringScenario.ts):
 * the CLI as an installed package runs it (dist/, built here first so it is what is checked out), and
 * as a source checkout runs it (bin/vmbus-check.js, which compiles the CLI through tsx on each start).
 * The model is a user's copy of bench/ringScenario.ts and bench/ringModel.ts that imports the package by
 * its name, as a user's model does (the package resolves itself through its `exports`, to dist/): the
 * checkout's copy imports the checker's TypeScript sources, which a user's model never compiles.
 */
function userModel(): string {
  const dir = path.join(root, 'bench', '.user-model');
  mkdirSync(dir, { recursive: true });
  for (const file of ['ringScenario.ts', 'ringModel.ts']) {
    writeFileSync(path.join(dir, file), readFileSync(path.join(root, 'bench', file), 'utf8').replaceAll("'../checker/index.ts'", "'vmbus-check'"));
  }
  return path.relative(root, path.join(dir, 'ringScenario.ts'));
}

function firstCounterexample(opts: RingComparisonOptions): boolean {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const model = userModel();
  const bugs: [string, RingBug][] = [['shallow', 'publish-before-fill'], ['medium', 'no-recheck']];
  const launchers: [string, string][] = [['installed', 'bench/installedCli.js'], ['checkout', 'bin/vmbus-check.js']];
  let ok = true;
  for (const [variant, bug] of bugs) {
    const p: RingParams = { channels: 2, slots: 8, values: 8, bug };
    const runs = new Map<string, { cpuSeconds: number; output: string }[]>(launchers.map(([name]) => [name, []]));
    const dfsRuns: SpinRun[] = [];
    const bfsRuns: SpinRun[] = [];
    // Interleaved, as above, so that every side sees the same load.
    for (let i = 0; i < opts.repeat; i++) {
      for (const [name, bin] of launchers) runs.get(name)!.push(cpuOf([process.execPath, bin, 'check', model, '--variant', variant, '--quiet']));
      dfsRuns.push(runSpin(ringPromela(p)));
      bfsRuns.push(runSpin(ringPromela(p), { bfs: true }));
    }
    const cli = Object.fromEntries([...runs].map(([name, r]) => [name, best(r, (x) => x.cpuSeconds)]));
    const dfs = best(dfsRuns, (r) => r.totalCpuSeconds);
    const bfs = best(bfsRuns, (r) => r.totalCpuSeconds);
    const missing = Object.entries(cli).find(([, c]) => !/violated/.test(c.output));
    if (missing || dfs.errors === 0 || bfs.errors === 0) {
      console.error(`ring-vs-spin: ${variant} bug: expected a counterexample from every run (${missing ? `CLI ${missing[0]}: ${missing[1].output.trim().split('\n')[0]}` : 'CLI: found'}; SPIN errors DFS ${dfs.errors}, BFS ${bfs.errors})`);
      ok = false;
      continue;
    }
    const row = {
      name: `first-counterexample/${variant}`, cliCpuSeconds: cli.installed.cpuSeconds, cliCheckoutCpuSeconds: cli.checkout.cpuSeconds,
      spinDfsCpuSeconds: dfs.totalCpuSeconds, spinBfsCpuSeconds: bfs.totalCpuSeconds,
    };
    if (opts.json) console.log(JSON.stringify(row));
    else {
      const vs = (c: number) => `${(dfs.totalCpuSeconds / c).toFixed(2)}x / ${(bfs.totalCpuSeconds / c).toFixed(2)}x`;
      console.log(`${row.name.padEnd(34)} SPIN (spin -a + gcc + pan) DFS ${dfs.totalCpuSeconds.toFixed(2)} CPU-s, BFS ${bfs.totalCpuSeconds.toFixed(2)};`
        + ` vmbus-check installed ${row.cliCpuSeconds.toFixed(2)} CPU-s: ${vs(row.cliCpuSeconds)} SPIN's speed (DFS / BFS);`
        + ` from the checkout ${row.cliCheckoutCpuSeconds.toFixed(2)}: ${vs(row.cliCheckoutCpuSeconds)}`);
    }
  }
  return ok;
}
