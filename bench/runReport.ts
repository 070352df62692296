// What a benchmark's worker process prints of its one exploration (bench/ringWorker.ts, bench/storeWorker.ts).
import { readFileSync } from 'node:fs';
import type { CheckResult } from '../checker/index.ts';

/**
 * This process's peak resident memory. Linux's getrusage maximum starts from the parent's at the fork
 * (a worker spawned late in `npm run bench` reported the 276 MB of the benchmark process), while
 * /proc's high-water mark starts afresh with the exec'd program.
 */
function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux: getrusage's figure, as it is */ }
  return process.resourceUsage().maxRSS * 1024;
}

/** One JSON line: states, verdict, CPU seconds of the exploration since `before`, store bytes, peak RSS. */
export function runReport(r: CheckResult, before: NodeJS.CpuUsage): string {
  const cpu = process.cpuUsage(before);
  return JSON.stringify({
    states: r.stats.states, verdict: r.verdict,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytesPerState: r.stats.bytesPerState,
    peakRssBytes: peakRssBytes(),
    ...(r.approximation ? { omissionProbability: r.approximation.omissionProbability } : {}),
  });
}
