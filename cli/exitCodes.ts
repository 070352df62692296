// Every exit code of the vmbus-check command, and how a run's checks map onto one (README, "Exit codes").
import { BUILTIN } from '../checker/index.ts';
import type { CheckRecord } from './runChecks.ts';

export const ExitCode = {
  /** Every verdict as expected (for a single check: no violation). */
  ok: 0,
  /** A violation found, or a verdict not as expected. */
  violation: 1,
  /** A usage error, a bad model or a bad trace. */
  usage: 2,
  /** A bound was hit (or the run was interrupted) before a verdict was reached. */
  bounded: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can cause: printed as one line (no stack trace unless --debug). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode = ExitCode.usage, cause?: unknown) {
    super(message, { cause });
    this.name = 'CliError';
  }
}

export type Outcome = 'pass' | 'fail' | 'bounded';

/**
 * The verdict an expectation is judged against: `verified-probabilistic` (an approximate store, whose
 * estimated probability of a missed state is small, or the verdict would be bounded) meets `verified`.
 * The reports still say it is probabilistic.
 */
export const expectedForm = (verdict: string) => (verdict === 'verified-probabilistic' ? 'verified' : verdict);

/**
 * How one check turned out. Judged against its expectation (a whole scenario, every built-in), a
 * violation a buggy variant is expected to have is a pass; judged on its own (one variant, a plain
 * system), any violation is a failure.
 */
export function outcomeOf(r: CheckRecord, againstExpectation: boolean): Outcome {
  const { verdict } = r.result;
  if (verdict === 'bounded') return 'bounded';
  // An unreached reachability goal fails a check whatever it expects: the model never exercised it.
  if (!againstExpectation || r.expected === null) return verdict === 'violated' || verdict === 'unreached' ? 'fail' : 'pass';
  if (expectedForm(verdict) !== r.expected) return 'fail';
  if (verdict === 'violated') {
    const found = r.result.violations[0].property;
    if (r.expectedProperty !== undefined && found !== r.expectedProperty) return 'fail';
    // A bug in the model itself is never the race a buggy variant expects, unless it says so.
    if (r.expectedProperty === undefined && found === BUILTIN.modelError) return 'fail';
  }
  return 'pass';
}

/** A failure anywhere decides the run; otherwise any bound (or an interrupted run) makes it bounded. */
export function exitCodeOf(records: CheckRecord[], againstExpectation: boolean, interrupted: boolean): ExitCode {
  const outcomes = records.map((r) => outcomeOf(r, againstExpectation));
  if (outcomes.includes('fail')) return ExitCode.violation;
  if (interrupted || outcomes.includes('bounded')) return ExitCode.bounded;
  return ExitCode.ok;
}
