// Runs a list of checks one after another, with progress and Ctrl-C, and keeps what the reports need.
import { exploreAsync } from '../checker/index.ts';
import type { CheckResult, ExploreOptions, ParameterValue, SystemDefinition } from '../checker/index.ts';
import { buildTrace } from '../traces/index.ts';
import type { SystemSource, TraceFile } from '../traces/index.ts';
import { CliError, ExitCode } from './exitCodes.ts';
import { firstLine } from './firstLine.ts';
import type { CheckTarget, TargetVariant } from './loadSystem.ts';
import type { ProgressReporter } from './progress.ts';

export interface CheckRecord {
  scenario: string;
  /** null for a plain system (no variants). */
  variant: string | null;
  /** The variant's parameters (the limits a bounded model builds in, e.g. servicings: 2); {} for a plain system. */
  parameters: Record<string, ParameterValue>;
  expected: 'violated' | 'verified' | null;
  expectedProperty?: string;
  result: CheckResult;
  system: SystemDefinition;
  source: SystemSource;
  /** The counterexample of the first violation, as a trace. */
  trace?: TraceFile;
  /** Where the trace was written, if it was. */
  tracePath?: string;
}

/** A check that an interrupt kept from starting: the reports still list it, as not run. */
export interface SkippedCheck {
  scenario: string;
  variant: string | null;
  parameters: Record<string, ParameterValue>;
  expected: 'violated' | 'verified' | null;
  reason: 'interrupted';
}

export interface CheckJob {
  target: CheckTarget;
  variant: TargetVariant;
}

export interface RunOptions {
  /** Bounds from the command line; they override the variant's own. */
  bounds: ExploreOptions;
  signal: AbortSignal;
  progress: ProgressReporter | null;
  /** Called as each check finishes (its trace written, its JSON line printed), not after the last. */
  onRecord?: (r: CheckRecord) => void;
}

export const checkLabel = (scenario: string, variant: string | null) => (variant === null ? scenario : `${scenario}/${variant}`);

export async function runCheck(job: CheckJob, options: RunOptions): Promise<CheckRecord> {
  const { target, variant } = job;
  const label = checkLabel(target.name, variant.name);
  const system = variant.build();
  const progress = options.progress;
  let result: CheckResult;
  try {
    result = await exploreAsync(system, {
      ...variant.options,
      ...options.bounds,
      signal: options.signal,
      onProgress: progress ? (p) => progress.report(label, p) : undefined,
      progressIntervalMs: progress?.intervalMs,
    });
  } catch (e) {
    // The checker rejects what it cannot model (a machine that invokes children, context that is not
    // plain data) when it compiles the system: a bad model, reported in one line (--debug shows the stack).
    throw new CliError(`${label}: the checker cannot run this model: ${firstLine(e)}`, ExitCode.usage, e);
  } finally {
    progress?.clear();
  }
  const record: CheckRecord = {
    scenario: target.name, variant: variant.name, parameters: variant.parameters, expected: variant.expected, expectedProperty: variant.expectedProperty,
    result, system, source: variant.source,
  };
  if (result.violations.length > 0) record.trace = buildTrace(system, variant.source, result.violations[0]);
  return record;
}

const skippedCheck = ({ target, variant }: CheckJob): SkippedCheck => ({
  scenario: target.name, variant: variant.name, parameters: variant.parameters, expected: variant.expected, reason: 'interrupted',
});

/** Runs the jobs in order; after an interrupt the rest are not started. */
export async function runChecks(jobs: CheckJob[], options: RunOptions): Promise<{ records: CheckRecord[]; skipped: SkippedCheck[] }> {
  const records: CheckRecord[] = [];
  for (let i = 0; i < jobs.length; i++) {
    if (options.signal.aborted) return { records, skipped: jobs.slice(i).map(skippedCheck) };
    const record = await runCheck(jobs[i], options);
    records.push(record);
    options.onRecord?.(record);
  }
  return { records, skipped: [] };
}
