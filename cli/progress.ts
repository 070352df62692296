// Progress of a long exploration, on stderr so that stdout stays a clean report: one live line on a
// terminal, plain periodic lines in a log (CI), nothing when quiet.
import type { Progress } from '../checker/index.ts';
import { safeText } from '../traces/index.ts';

export interface ProgressReporter {
  /** How often the explorer should report, in milliseconds. */
  intervalMs: number;
  report(label: string, p: Progress): void;
  /** Removes the live line (before results are printed). */
  clear(): void;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function describeProgress(label: string, p: Progress): string {
  return `${safeText(label)}: ${count(p.states)} states, depth ${p.depth}, ${count(p.statesPerSec)} states/s, ` +
    `queue ${count(p.queued)}, ${Math.round(p.memoryBytes / 2 ** 20)} MB, ${p.seconds.toFixed(1)} s`;
}

export interface ProgressOptions {
  quiet: boolean;
  /** Overrides the default interval (250 ms live, 10 s in a log). */
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

export function progressReporter({ quiet, intervalMs, stream = process.stderr }: ProgressOptions): ProgressReporter | null {
  if (quiet) return null;
  if (stream.isTTY) {
    let shown = false;
    return {
      intervalMs: intervalMs ?? 250,
      report(label, p) {
        const line = describeProgress(label, p);
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${line.length >= width ? line.slice(0, width - 1) : line}`);
        shown = true;
      },
      clear() {
        if (shown) stream.write('\r\x1b[2K');
        shown = false;
      },
    };
  }
  return {
    intervalMs: intervalMs ?? 10_000,
    report(label, p) {
      stream.write(`progress ${describeProgress(label, p)}\n`);
    },
    clear() {},
  };
}
