// The speed-up of `--workers 2` over `--workers 1`: the installed CLI (dist/) runs the same checks both
// ways, interleaved, and the wall-clock times are compared once every check's JSON report is asserted
// equal apart from its timings. Two runs of checks: the big benchmark models (bench/bigModels.ts, four
// checks of 0.5M to 6.3M states, 4 to 6 CPU-s each), the built-in scenarios (`vmbus-check` with no model,
// the main job), and one check alone (the ring model's correct variant, 1.2M states), whose search the
// threads split with --split-search (README, "Several threads"). Separate checks run side by side.
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

interface Run { wallSeconds: number; cpuSeconds: number; checks: string[] }

/** The JSON lines of a run with the timings taken out, so that two runs can be compared. */
function withoutTimings(stdout: string): string[] {
  return stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => {
    const check = JSON.parse(l) as { stats?: Record<string, unknown> };
    // A check run alone also says on how many threads it ran.
    if (check.stats) { delete check.stats.seconds; delete check.stats.statesPerSec; delete check.stats.threads; }
    return JSON.stringify(check);
  });
}

function runCli(models: string[], workers: number): Run {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, 'bench/installedCli.js', 'check', ...models, '--format', 'json', '--workers', String(workers)],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - started) / 1000;
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wallSeconds, cpuSeconds: m ? Number(m[1]) + Number(m[2]) : NaN, checks: withoutTimings(r.stdout) };
}

export interface WorkersOptions { repeat: number; json: boolean }

/** Runs the comparison; returns false when the two runs' reports differ. */
export function workersSpeedup(opts: WorkersOptions): boolean {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  let ok = true;
  for (const [name, models] of [['workers/big-models', ['bench/bigModels.ts']], ['workers/built-in-scenarios', []], ['workers/one-check', ['bench/ringScenario.ts', '--variant', 'correct', '--split-search']]] as [string, string[]][]) {
    const one: Run[] = [];
    const two: Run[] = [];
    for (let i = 0; i < opts.repeat; i++) { one.push(runCli(models, 1)); two.push(runCli(models, 2)); }
    const a = one.reduce((x, y) => (y.wallSeconds < x.wallSeconds ? y : x));
    const b = two.reduce((x, y) => (y.wallSeconds < x.wallSeconds ? y : x));
    if (a.checks.length === 0 || a.checks.join('\n') !== b.checks.join('\n')) {
      console.error(`${name}: --workers 1 and --workers 2 reported different checks (${a.checks.length} and ${b.checks.length} lines)`);
      ok = false;
      continue;
    }
    // The load average (the benchmark's own threads included) says how busy the machine was.
    const row = { name, checks: a.checks.length, repeat: opts.repeat, loadAverage: os.loadavg()[0], oneWallSeconds: a.wallSeconds, twoWallSeconds: b.wallSeconds, speedup: a.wallSeconds / b.wallSeconds, oneCpuSeconds: a.cpuSeconds, twoCpuSeconds: b.cpuSeconds };
    if (opts.json) console.log(JSON.stringify(row));
    else console.log(`${name.padEnd(30)} ${row.checks} checks (equal reports)  --workers 1 ${a.wallSeconds.toFixed(1)} s, --workers 2 ${b.wallSeconds.toFixed(1)} s wall: ${row.speedup.toFixed(2)}x  | CPU ${a.cpuSeconds.toFixed(1)} vs ${b.cpuSeconds.toFixed(1)} s | load average ${row.loadAverage.toFixed(1)} of ${os.availableParallelism()} cores`);
  }
  return ok;
}
