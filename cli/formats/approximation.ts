// What an approximate store (--store compact or bitstate) makes of a check's verdict, worded once for
// every format: a verdict without a violation is probabilistic, and says how likely a missed state is.
import { approximationText } from '../../checker/index.ts';
import { expectedForm } from '../exitCodes.ts';
import type { CheckRecord } from '../runChecks.ts';

/**
 * `verified (probabilistic: compact store, 64-bit fingerprints of 1,234 states, estimated probability of
 * a missed state 4.1e-14)`; null for the full store, a violation (its counterexample is real) or a
 * bounded check (its bounds say why nothing is claimed).
 */
export function probabilisticVerdict(r: CheckRecord): string | null {
  const { verdict, approximation } = r.result;
  if (!approximation || verdict === 'violated' || verdict === 'bounded') return null;
  return `${expectedForm(verdict)} (probabilistic: ${approximationText(approximation)})`;
}
