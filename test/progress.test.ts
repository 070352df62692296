// The progress line: with a bound given (--max-states, --time-limit) it shows how far the run is towards
// the bound it will hit first, as a bar, and when at its current rate it will hit it.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../checker/index.ts';
import { describeProgress, progressReporter, towardsBound } from '../cli/progress.ts';

const at = (states: number, seconds: number): Progress => ({ states, transitions: states * 2, depth: 3, queued: 10, seconds, statesPerSec: states / seconds, memoryBytes: 2 ** 27 });

describe('progress towards a bound', () => {
  it('no bound: no bar (an unbounded search has no end to measure)', () => {
    expect(towardsBound(at(500, 5), {})).toBeNull();
    expect(describeProgress('x', at(500, 5))).not.toMatch(/ETA|\[/);
  });

  it('--max-states: the fraction of states and the time left at the current rate', () => {
    expect(towardsBound(at(250, 2.5), { maxStates: 1000 })).toEqual({ fraction: 0.25, etaSeconds: 7.5 });
  });

  it('--time-limit: the fraction of the time, and what is left of it', () => {
    expect(towardsBound(at(400, 4), { timeLimitSeconds: 10 })).toEqual({ fraction: 0.4, etaSeconds: 6 });
  });

  it('both: the bound that comes first decides the ETA, and the bar shows the furthest', () => {
    // 1000 states/s: the 100,000-state bound is 96 s away, the 30 s time limit 26 s away.
    const t = towardsBound(at(4000, 4), { maxStates: 100_000, timeLimitSeconds: 30 })!;
    expect(t.etaSeconds).toBe(26);
    expect(t.fraction).toBeCloseTo(4 / 30);
  });

  it('prints a bar and the ETA on the progress line, in a log as on a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    let written = '';
    (stream as unknown as PassThrough).on('data', (d: Buffer) => { written += d.toString(); });
    const r = progressReporter({ quiet: false, stream, bounds: { maxStates: 1000 } })!;
    r.report('peterson/broken', at(500, 2));
    expect(written).toMatch(/^progress peterson\/broken: 500 states, .* \[#{10}\.{10}\] 50% of the bound, ETA 2 s\n$/);
  });
});
