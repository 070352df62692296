// Shortest counterexamples under partial-order reduction. Breadth-first search finds the shortest paths
// of the reduced graph, which may be longer than the full graph's. So a check that the reduction found a
// violation or a goal witness in is searched again without it, only as deep as the longest of them:
// those are levels the unreduced search explores anyway before it finds them, and the counterexamples
// and witnesses are then the unreduced search's own (the same properties, the same steps). A liveness
// lasso needs its cycle's states expanded, which a depth bound would cut, so a check with one is searched
// again over the whole graph. A verified check keeps the whole saving.
import type { ExploreOptions } from './explorer.ts';
import type { BoundKind, CheckResult } from './result.ts';
import { impurityFound } from './localTransition.ts';
import { BUILTIN } from './properties.ts';

/** What ends the search again short of its depth, besides the depth itself and the model's own bounds. */
const COMPLETE_TO_DEPTH: readonly BoundKind[] = ['maxDepth', 'queueCapacity', 'storeBuffer', 'history'];

/** The search again for `reduced` (run with `options`): its options and depth (null: the whole graph), or null when none is needed. */
export function shortestAgainOptions(reduced: CheckResult, options: ExploreOptions): { options: ExploreOptions; depth: number | null } | null {
  if ((reduced.stats.partialOrder?.reducedStates ?? 0) === 0) return null;
  const lengths = [...reduced.violations.map((v) => v.steps.length), ...reduced.goals.flatMap((g) => (g.steps ? [g.steps.length] : []))];
  if (lengths.length === 0) return null;
  const left = options.timeLimitSeconds === undefined ? undefined : options.timeLimitSeconds - reduced.stats.seconds;
  const depth = reduced.violations.some((v) => v.cycleStart !== undefined) ? options.maxDepth ?? null : Math.max(...lengths);
  return {
    options: {
      ...options, partialOrder: false, symmetry: false, maxDepth: depth ?? undefined,
      ...(left !== undefined ? { timeLimitSeconds: Math.max(left, 0.001) } : {}),
    },
    depth,
  };
}

/**
 * `reduced` with the counterexamples and witnesses of `again` (the search again, to `depth`), or with
 * its own and a note when the search again stopped first: they are real schedules, not always shortest.
 * So too when the reduced search's purity audit found model code that answered differently when re-run
 * and the search again did not (it compiles the definition afresh, so hidden state kept outside the
 * machines may have changed in between): that modelError is what the report must say, not a violation
 * the search again met in the changed model. Another modelError (a guard that threw) is searched again
 * as any violation is: the search again may meet a shorter violation first.
 */
export function withShortest(reduced: CheckResult, again: CheckResult, depth: number | null): CheckResult {
  const por = reduced.stats.partialOrder!;
  const stop = again.bounds.find((b) => !COMPLETE_TO_DEPTH.includes(b.kind));
  const lost = reduced.violations.length > 0 && again.violations.length === 0;
  const seconds = reduced.stats.seconds + again.stats.seconds;
  const impure = reduced.violations.some(impurityFound) && !again.violations.some(impurityFound);
  const within = depth === null ? 'in the whole graph' : `within ${depth} steps`;
  const stopped = stop ? `${stop.kind}: ${stop.detail}` : lost ? `no violation ${within}`
    : impure ? `no ${BUILTIN.modelError} ${within} (model code whose results changed from one search to the next)` : null;
  const shortest = { depth, states: again.stats.states, stopped };
  if (stopped !== null) return { ...reduced, stats: { ...reduced.stats, seconds, partialOrder: { ...por, shortest } } };
  const goals = reduced.goals.map((g) => (g.reached ? again.goals.find((a) => a.property === g.property && a.reached) ?? g : g));
  return {
    ...reduced,
    violations: reduced.violations.length > 0 ? again.violations : [],
    goals,
    stats: { ...reduced.stats, seconds, partialOrder: { ...por, shortest } },
  };
}
