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
  return `expected ${verdictText(r.expected, expectedProperty)}, found ${verdictText(r.result.verdict, found?.property)}`;
}

/** For JSON: true or false against the expectation; null when nothing was expected. */
export function asExpected(r: CheckRecord): boolean | null {
  return r.expected === null ? null : outcomeOf(r, true) === 'pass';
}
