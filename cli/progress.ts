// Progress of a long exploration, on stderr so that stdout stays a clean report: one live line on a
// terminal, plain periodic lines in a log (CI), nothing when quiet.
import type { ExploreOptions, Progress } from '../checker/index.ts';
import { safeText } from '../traces/safeText.ts';

export interface ProgressReporter {
  /** How often the explorer should report, in milliseconds. */
  intervalMs: number;
  report(label: string, p: Progress): void;
  /** Removes the live line (before results are printed); the next report draws it again. */
  clear(): void;
  /** A check has ended: its progress leaves the live line (which goes when none is left). */
  finished(label: string): void;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The bounds a bar can measure a run against (--max-states, --time-limit). */
export type ProgressBounds = Pick<ExploreOptions, 'maxStates' | 'timeLimitSeconds'>;

const BAR = 20;

/**
 * How far the run is towards the first bound it will hit, and when at this rate it hits it: null with
 * no such bound (an unbounded search has no end to measure against: its queue may grow or shrink).
 */
export function towardsBound(p: Progress, bounds: ProgressBounds): { fraction: number; etaSeconds: number } | null {
  const ends: { fraction: number; eta: number }[] = [];
  if (bounds.maxStates !== undefined) {
    ends.push({ fraction: p.states / bounds.maxStates, eta: p.statesPerSec > 0 ? (bounds.maxStates - p.states) / p.statesPerSec : Infinity });
  }
  if (bounds.timeLimitSeconds !== undefined) ends.push({ fraction: p.seconds / bounds.timeLimitSeconds, eta: bounds.timeLimitSeconds - p.seconds });
  if (ends.length === 0) return null;
  const first = ends.reduce((a, b) => (b.eta < a.eta ? b : a));
  return { fraction: Math.min(1, Math.max(0, ...ends.map((e) => e.fraction))), etaSeconds: Math.max(0, first.eta) };
}

const duration = (s: number) => (!Number.isFinite(s) ? '?' : s < 60 ? `${Math.ceil(s)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s` : `${(s / 3600).toFixed(1)} h`);

export function describeProgress(label: string, p: Progress, bounds: ProgressBounds = {}): string {
  const toward = towardsBound(p, bounds);
  const bar = toward === null ? '' : ` [${'#'.repeat(Math.round(toward.fraction * BAR)).padEnd(BAR, '.')}] ${Math.floor(toward.fraction * 100)}% of the bound, ETA ${duration(toward.etaSeconds)}`;
  return `${safeText(label)}: ${count(p.states)} states, depth ${p.depth}, ${count(p.statesPerSec)} states/s, ` +
    `queue ${count(p.queued)}, ${Math.round(p.memoryBytes / 2 ** 20)} MB, ${p.seconds.toFixed(1)} s${bar}`;
}

/** Several checks on one live line: each one's states and depth, then the process's memory. */
export function runningTogether(running: Map<string, Progress>): string {
  const each = [...running].map(([label, p]) => `${safeText(label)}: ${count(p.states)} states, depth ${p.depth}`);
  const memory = Math.max(...[...running.values()].map((p) => p.memoryBytes));
  return `${running.size} checks: ${each.join(' | ')}, ${Math.round(memory / 2 ** 20)} MB`;
}

export interface ProgressOptions {
  quiet: boolean;
  /** Overrides the default interval (250 ms live, 10 s in a log). */
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
  /** The command line's bounds: with --max-states or --time-limit a bar and an ETA are shown. */
  bounds?: ProgressBounds;
}

export function progressReporter({ quiet, intervalMs, stream = process.stderr, bounds = {} }: ProgressOptions): ProgressReporter | null {
  if (quiet) return null;
  if (stream.isTTY) {
    let shown = false;
    // The checks running at once (--workers), in the order they started: the live line shows each.
    const running = new Map<string, Progress>();
    const clear = () => {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    };
    const draw = () => {
      const line = running.size === 1 ? describeProgress(...[...running][0], bounds) : runningTogether(running);
      const width = stream.columns ?? 120;
      stream.write(`\r\x1b[2K${line.length >= width ? line.slice(0, width - 1) : line}`);
      shown = true;
    };
    return {
      intervalMs: intervalMs ?? 250,
      report(label, p) {
        running.set(label, p);
        draw();
      },
      clear,
      finished(label) {
        running.delete(label);
        if (running.size === 0) clear();
        else draw();
      },
    };
  }
  return {
    intervalMs: intervalMs ?? 10_000,
    report(label, p) {
      stream.write(`progress ${describeProgress(label, p, bounds)}\n`);
    },
    clear() {},
    finished() {},
  };
}
