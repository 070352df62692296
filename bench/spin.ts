// Runs SPIN on a Promela model: `spin -a`, `gcc -O2`, `pan`, with the figures pan prints parsed out and
// the CPU time of each stage measured by the shell (`times`), so they compare with process.cpuUsage.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SpinRun {
  states: number;
  /** pan found an error (an assertion, an invalid end state). */
  errors: number;
  /** CPU seconds (user + system) of pan alone, and of spin -a + gcc + pan together. */
  panCpuSeconds: number;
  totalCpuSeconds: number;
  /** Peak resident memory of pan (GNU time's %M), and the memory pan says its stored states take. */
  panPeakRssBytes: number;
  panStateBytes: number;
  output: string;
}

export function spinAvailable(): boolean {
  return spawnSync('spin', ['-V'], { encoding: 'utf8' }).status === 0 && spawnSync('gcc', ['--version']).status === 0;
}

export interface SpinOptions {
  /** -DBFS: breadth-first search (shortest counterexample), else pan's default depth-first search. */
  bfs?: boolean;
  /** log2 of pan's hash table size (-w). */
  hashBits?: number;
  /** pan -m: the depth bound (a DFS that hits it is truncated, which runSpin refuses). */
  maxDepth?: number;
}

const sh = (cmd: string, cwd: string) => execFileSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

/** `times` prints the children's user and system CPU time as "XmY.YYYs XmY.YYYs" on its second line. */
function childCpu(timesOutput: string): number {
  const line = timesOutput.trim().split('\n').at(-1)!;
  return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
}

export function runSpin(promela: string, opts: SpinOptions = {}): SpinRun {
  // A depth-first search that reaches pan's depth bound silently skips what lies below it, so the
  // bound grows until the search fits under it.
  for (let maxDepth = opts.maxDepth ?? 1 << 20; ; maxDepth *= 8) {
    const run = runSpinOnce(promela, { ...opts, maxDepth });
    const depth = Number(/depth reached (\d+)/.exec(run.output)?.[1]);
    if (depth < maxDepth - 1 || maxDepth >= 1 << 27) return run;
  }
}

function runSpinOnce(promela: string, opts: SpinOptions): SpinRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-spin-'));
  try {
    writeFileSync(path.join(dir, 'model.pml'), promela);
    const defs = `-DSAFETY -DNOREDUCE${opts.bfs ? ' -DBFS' : ''}`;
    const build = sh(`spin -a model.pml >/dev/null && gcc -O2 ${defs} -o pan pan.c 2>/dev/null; times`, dir);
    // -n: no list of unreached statements.
    const w = opts.hashBits ?? 24;
    const pan = sh(`/usr/bin/time -f 'PEAKRSS %M' ./pan -m${opts.maxDepth} -w${w} -n >pan.out 2>time.out; cat pan.out time.out; times`, dir);
    const states = Number(/([\d.e+]+) states, stored/.exec(pan)?.[1]);
    if (!Number.isFinite(states)) throw new Error(`pan printed no state count:\n${pan}`);
    const errors = Number(/errors: (\d+)/.exec(pan)?.[1] ?? 0);
    // pan's own figure for its stored states: "actual" when it compressed them, else "equivalent".
    const stateMb = Number((/([\d.]+)\s+actual memory usage for states/.exec(pan) ?? /([\d.]+)\s+equivalent memory usage for states/.exec(pan))?.[1] ?? NaN);
    const panCpu = childCpu(pan);
    return {
      states, errors,
      panCpuSeconds: panCpu,
      totalCpuSeconds: childCpu(build) + panCpu,
      panPeakRssBytes: Number(/PEAKRSS (\d+)/.exec(pan)?.[1]) * 1024,
      panStateBytes: stateMb * 1024 * 1024,
      output: pan,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
