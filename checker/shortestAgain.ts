// Shortest counterexamples under partial-order reduction. Breadth-first search finds the shortest paths
// of the reduced graph, which may be longer than the full graph's. So a check that the reduction found a
// violation or a goal witness in is searched again without it, only as deep as the longest of them:
// those are levels the unreduced search explores anyway before it finds them, and the counterexamples
// and witnesses are then the unreduced search's own (the same properties, the same steps). A verified
// check keeps the whole saving.
// Liveness needs the whole graph: a lasso's cycle needs its states expanded, which a depth bound would
// cut, and a state cut by a bound (a full queue) carries no cycle, yet the reduction may route every
// reduced copy of a fair cycle through such a state off the cycle itself (issue #12's review).
// So a check with a lasso, or with liveness properties and a bound that cut branches, is searched again
// over the whole graph, and the unreduced search's result is the check's.
import type { ExploreOptions } from './explorer.ts';
import type { BoundKind, CheckResult } from './result.ts';
import { impurityFound } from './localTransition.ts';
import { BUILTIN } from './properties.ts';

/** Bounds that cut branches while the search goes on: the search again meets them too, and they end nothing. */
const CUTS: readonly BoundKind[] = ['maxDepth', 'queueCapacity', 'storeBuffer', 'history'];

export interface SearchAgain {
  options: ExploreOptions;
  /** How deep it goes; null: the whole graph (within the check's own bounds), whose result replaces the reduced one. */
  depth: number | null;
}

/** The search again for `reduced` (run with `options`; `liveness`: the system has liveness properties), or null when none is needed. */
export function shortestAgainOptions(reduced: CheckResult, options: ExploreOptions, liveness: boolean): SearchAgain | null {
  if ((reduced.stats.partialOrder?.reducedStates ?? 0) === 0) return null;
  const lengths = [...reduced.violations.map((v) => v.steps.length), ...reduced.goals.flatMap((g) => (g.steps ? [g.steps.length] : []))];
  const whole = reduced.violations.some((v) => v.cycleStart !== undefined) || (liveness && reduced.bounds.some((b) => CUTS.includes(b.kind)));
  if (!whole && lengths.length === 0) return null;
  const left = options.timeLimitSeconds === undefined ? undefined : options.timeLimitSeconds - reduced.stats.seconds;
  const depth = whole ? null : Math.max(...lengths);
  return {
    options: {
      ...options, partialOrder: false, symmetry: false, ...(depth === null ? {} : { maxDepth: depth }),
      ...(left !== undefined ? { timeLimitSeconds: Math.max(left, 0.001) } : {}),
    },
    depth,
  };
}

/**
 * `reduced` with the counterexamples and witnesses of `again` (the search again, to `depth`; over the
 * whole graph, `depth` null, `again`'s result itself, with the reduction's stats), or with
 * its own and a note when the search again stopped first: they are real schedules, not always shortest.
 * So too when the reduced search's purity audit found model code that answered differently when re-run
 * and the search again did not (it compiles the definition afresh, so hidden state kept outside the
 * machines may have changed in between): that modelError is what the report must say, not a violation
 * the search again met in the changed model. Another modelError (a guard that threw) is searched again
 * as any violation is: the search again may meet a shorter violation first.
 */
export function withShortest(reduced: CheckResult, again: CheckResult, depth: number | null): CheckResult {
  const por = reduced.stats.partialOrder!;
  const stop = again.bounds.find((b) => !CUTS.includes(b.kind));
  const lost = reduced.violations.length > 0 && again.violations.length === 0;
  const seconds = reduced.stats.seconds + again.stats.seconds;
  const impure = reduced.violations.some(impurityFound) && !again.violations.some(impurityFound);
  const within = depth === null ? 'in the whole graph' : `within ${depth} steps`;
  const stopped = stop ? `${stop.kind}: ${stop.detail}` : lost ? `no violation ${within}`
    : impure ? `no ${BUILTIN.modelError} ${within} (model code whose results changed from one search to the next)` : null;
  const shortest = { depth, states: again.stats.states, stopped };
  if (stopped !== null) return { ...reduced, stats: { ...reduced.stats, seconds, partialOrder: { ...por, shortest } } };
  if (depth === null) return { ...again, stats: { ...again.stats, seconds, partialOrder: { ...por, shortest } } };
  const goals = reduced.goals.map((g) => (g.reached ? again.goals.find((a) => a.property === g.property && a.reached) ?? g : g));
  return {
    ...reduced,
    violations: reduced.violations.length > 0 ? again.violations : [],
    goals,
    stats: { ...reduced.stats, seconds, partialOrder: { ...por, shortest } },
  };
}
