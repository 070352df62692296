// `--format json`: one JSON object per check, one per line (JSON Lines), for scripts and dashboards; after
// Ctrl-C, one per check not run too (verdict null, skipped true).
import { OVER_ON_ONE_THREAD } from '../../checker/index.ts';
import { renderTimeline } from '../../traces/timeline.ts';
import { asExpected } from '../expectation.ts';
import { coverageWarnings } from './coverage.ts';
import type { CheckRecord, SkippedCheck } from '../runChecks.ts';

export function checkObject(r: CheckRecord) {
  const v = r.result.violations[0];
  const s = r.result.stats;
  return {
    scenario: r.scenario,
    variant: r.variant,
    parameters: r.parameters,
    memory: r.memory,
    ...(r.result.memoryCaveat === null ? {} : { memoryCaveat: r.result.memoryCaveat }),
    verdict: r.result.verdict,
    expected: r.expected,
    expectedProperty: r.expected === 'violated' ? r.expectedProperty ?? null : null,
    asExpected: asExpected(r),
    // `steps` is the counterexample's length (stats.depth is the search's, one more for a stall that
    // ends with its watchdog timer); `timeline` is the text timeline of it; `cycleStart`, for a liveness
    // counterexample, the step after which its cycle begins (null: a run that ends).
    ...(v ? { property: v.property, message: v.message, steps: v.steps.length, timeline: r.trace ? renderTimeline(r.trace) : null } : {}),
    ...(v && v.cycleStart !== undefined ? { cycleStart: v.cycleStart } : {}),
    // Reachability goals: the witness's length, or null when unreached, and where --witnesses wrote it.
    ...(r.result.goals.length > 0 ? { goals: r.result.goals.map((g) => ({
      property: g.property, reached: g.reached, steps: g.steps ? g.steps.length : null,
      witness: r.witnesses?.find((w) => w.trace.property === g.property)?.tracePath ?? null,
    })) } : {}),
    trace: r.tracePath ?? null,
    // --all-violations: each other violated property, with its own counterexample.
    ...(r.moreTraces ? { otherViolations: r.moreTraces.map((m) => ({ property: m.trace.property, message: m.trace.message, steps: m.trace.steps.length, timeline: renderTimeline(m.trace), trace: m.tracePath ?? null })) } : {}),
    ...(r.result.found ? { found: r.result.found } : {}),
    ...(r.result.random ? { random: r.result.random } : {}),
    ...(r.result.bounds.length > 0 ? { bounds: r.result.bounds } : {}),
    // --store compact or bitstate: how states were kept, and the estimated probability that one was missed.
    ...(r.result.approximation ? { approximation: r.result.approximation } : {}),
    // --coverage: per actor, each state and transition with the global states it was seen in; and, for a
    // verified check, a warning per transition that never fired.
    ...(r.result.coverage ? { coverage: r.result.coverage, coverageWarnings: coverageWarnings(r) } : {}),
    stats: {
      states: s.states, transitions: s.transitions, depth: s.depth, seconds: Number(s.seconds.toFixed(3)),
      // --por: whether the reduction was applied, from what or why not, and the states it reduced.
      ...(s.partialOrder ? { partialOrder: s.partialOrder } : {}),
      // symmetry: whether the reduction applied (or why not) and the concrete states its orbits stand for.
      ...(s.symmetry ? { symmetry: s.symmetry } : {}),
      // --workers with one check: the threads its search ran on, why one, and when it started over on them.
      ...(s.threads && !s.threads.reason?.startsWith(OVER_ON_ONE_THREAD) ? { threads: s.threads } : {}),
    },
  };
}

/** A check an interrupt kept from starting: no verdict, and said so, rather than left out. */
export function skippedObject(s: SkippedCheck) {
  const memory = s.memoryAsked || s.memory !== 'sc' ? { memory: s.memory } : {};
  return { scenario: s.scenario, variant: s.variant, parameters: s.parameters, ...memory, verdict: null, expected: s.expected, skipped: true, reason: s.reason };
}

export function jsonReport(records: CheckRecord[], skipped: SkippedCheck[] = []): string {
  return [...records.map(checkObject), ...skipped.map(skippedObject)].map((o) => JSON.stringify(o) + '\n').join('');
}
