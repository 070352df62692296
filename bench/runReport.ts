// What a benchmark's worker process prints of its one exploration (bench/ringWorker.ts, bench/storeWorker.ts).
import type { CheckResult } from '../checker/index.ts';

/** One JSON line: states, verdict, CPU seconds of the exploration since `before`, store bytes, peak RSS. */
export function runReport(r: CheckResult, before: NodeJS.CpuUsage): string {
  const cpu = process.cpuUsage(before);
  return JSON.stringify({
    states: r.stats.states, verdict: r.verdict,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytesPerState: r.stats.bytesPerState,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(r.approximation ? { omissionProbability: r.approximation.omissionProbability } : {}),
  });
}
