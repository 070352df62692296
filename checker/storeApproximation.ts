// What an approximate store (checker/frontierStore.ts) makes of a verdict. A violation it finds is real
// (its counterexample is a run of real states, replayable); a search that found none may have missed
// states, so it claims `verified-probabilistic` with the estimated probability of a miss, and nothing
// (bounded) when a miss is more likely than MAX_OMISSION_PROBABILITY.
import type { Bound, StoreApproximation, Verdict } from './result.ts';

/** Above this estimated probability of having missed a state, a run without a violation claims nothing. */
export const MAX_OMISSION_PROBABILITY = 0.01;

/** `1.5e-9`, `0.032`, `0`: two significant digits. */
export function probabilityText(p: number): string {
  if (p === 0) return '0';
  return p < 1e-3 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/** `compact store, 64-bit fingerprints of 1,234 states, estimated probability of a missed state 4.1e-14`. */
export function approximationText(a: StoreApproximation): string {
  const states = a.states.toLocaleString('en-US');
  const how = a.store === 'compact'
    ? `${a.fingerprintBits}-bit fingerprints of ${states} states`
    : `2^${Math.log2(a.bits!)} bits, ${a.hashes} set by each of ${states} states`;
  const many = a.expectedOmissions >= 0.1 ? ` (about ${Number(a.expectedOmissions.toPrecision(2)).toLocaleString('en-US')} missed)` : '';
  return `${a.store} store, ${how}, estimated probability of a missed state ${probabilityText(a.omissionProbability)}${many}`;
}

/** The verdict of a search over an approximate store, and the bound it adds when it claims nothing. */
export function approximateVerdict(verdict: Verdict, a: StoreApproximation): { verdict: Verdict; bound?: Bound } {
  if (verdict === 'violated') return { verdict };
  if (a.omissionProbability > MAX_OMISSION_PROBABILITY) {
    const remedy = a.store === 'bitstate' ? 'more bits (--bitstate-bits) or --store compact' : '--store full';
    return {
      verdict: 'bounded',
      bound: { kind: 'omissions', detail: `${approximationText(a)}: above ${MAX_OMISSION_PROBABILITY}, too likely to claim a verdict (try ${remedy})` },
    };
  }
  return { verdict: verdict === 'verified' ? 'verified-probabilistic' : verdict };
}
