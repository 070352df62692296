// What a check was expected to conclude and what it found, worded once for every output format.
import { outcomeOf } from './exitCodes.ts';
import type { CheckRecord } from './runChecks.ts';

const verdictText = (verdict: string, property: string | undefined) => (property !== undefined ? `${verdict} (${property})` : verdict);

/**
 * "expected violated (deadlock), found verified" when a check judged against its expectation is not as
 * expected; null otherwise (as expected, bounded, or nothing expected).
 */
export function notAsExpected(r: CheckRecord, againstExpectation: boolean): string | null {
  if (!againstExpectation || r.expected === null || outcomeOf(r, true) !== 'fail') return null;
  const found = r.result.violations[0];
  const expectedProperty = r.expected === 'violated' ? r.expectedProperty : undefined;
  return `expected ${verdictText(r.expected, expectedProperty)}, found ${verdictText(r.result.verdict, found?.property ?? unreachedGoals(r))}`;
}

/** The reachability goals a check never reached, comma-separated (undefined when none). */
export function unreachedGoals(r: CheckRecord): string | undefined {
  const names = r.result.goals.filter((g) => !g.reached).map((g) => g.property);
  return r.result.verdict === 'unreached' && names.length > 0 ? names.join(', ') : undefined;
}

/** Why a check with no violation failed, for a report line. */
export function failureText(r: CheckRecord): string {
  const goals = unreachedGoals(r);
  return goals ? `unreached: ${goals} (no reachable state satisfies it)` : `verdict ${r.result.verdict}, expected ${r.expected}`;
}

/** For JSON: true or false against the expectation; null when nothing was expected. */
export function asExpected(r: CheckRecord): boolean | null {
  return r.expected === null ? null : outcomeOf(r, true) === 'pass';
}
