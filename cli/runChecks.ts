// Runs a list of checks one after another, with progress and Ctrl-C, and keeps what the reports need.
import { exploreAsync } from '../checker/index.ts';
import type { CheckResult, ExploreOptions, MemoryModelName, ParameterValue, SystemDefinition } from '../checker/index.ts';
import { buildTrace } from '../traces/index.ts';
import type { SystemSource, TraceFile } from '../traces/index.ts';
import { CliError, ExitCode } from './exitCodes.ts';
import { firstLine } from './firstLine.ts';
import type { CheckTarget, TargetVariant } from './loadSystem.ts';
import type { ProgressReporter } from './progress.ts';
import { checkLocations } from './modelLocations.ts';
import type { CheckLocations } from './modelLocations.ts';

export interface CheckRecord {
  scenario: string;
  /** null for a plain system (no variants). */
  variant: string | null;
  /** The variant's parameters (the limits a bounded model builds in, e.g. servicings: 2); {} for a plain system. */
  parameters: Record<string, ParameterValue>;
  expected: 'violated' | 'verified' | null;
  expectedProperty?: string;
  /** The memory model it ran under; `memoryAsked` when --memory chose it. */
  memory: MemoryModelName;
  memoryAsked: boolean;
  result: CheckResult;
  system: SystemDefinition;
  source: SystemSource;
  /** The counterexample of the first violation, as a trace. */
  trace?: TraceFile;
  /** Where the trace was written, if it was. */
  tracePath?: string;
  /** Where its scenario, variant, system and properties are defined (reports point there); unknown when absent. */
  locations?: CheckLocations;
}

/** A check that an interrupt kept from starting: the reports still list it, as not run. */
export interface SkippedCheck {
  scenario: string;
  variant: string | null;
  parameters: Record<string, ParameterValue>;
  expected: 'violated' | 'verified' | null;
  memory: MemoryModelName;
  memoryAsked: boolean;
  reason: 'interrupted';
}

export interface CheckJob {
  target: CheckTarget;
  variant: TargetVariant;
  /** From --memory: run under this model instead of the variant's own. */
  memory?: MemoryModelName;
}

/** The jobs for `variants`, one per memory model asked for (none asked: each variant's own). */
export function jobsFor(target: CheckTarget, variants: TargetVariant[], memories: MemoryModelName[] | undefined): CheckJob[] {
  return variants.flatMap((variant) => (memories ?? [undefined]).map((memory) => ({ target, variant, memory })));
}

export interface RunOptions {
  /** Bounds from the command line; they override the variant's own. */
  bounds: ExploreOptions;
  signal: AbortSignal;
  progress: ProgressReporter | null;
  /** Called as each check finishes (its trace written, its JSON line printed), not after the last. */
  onRecord?: (r: CheckRecord) => void;
}

export const checkLabel = (scenario: string, variant: string | null, memory?: MemoryModelName) =>
  (variant === null ? scenario : `${scenario}/${variant}`) + (memory === undefined ? '' : ` [${memory}]`);

/** A record's label: with its memory model when --memory chose it (then one variant runs under several). */
export const recordLabel = (r: { scenario: string; variant: string | null; memory: MemoryModelName; memoryAsked: boolean }) =>
  checkLabel(r.scenario, r.variant, r.memoryAsked ? r.memory : undefined);

export async function runCheck(job: CheckJob, options: RunOptions): Promise<CheckRecord> {
  const { target, variant } = job;
  const label = checkLabel(target.name, variant.name, job.memory);
  const system = variant.build();
  const own: MemoryModelName = variant.memory ?? system.memory ?? 'sc';
  const memory = job.memory ?? own;
  const expected = memory === own ? variant.expected : variant.expectedUnder?.[memory] ?? null;
  const progress = options.progress;
  let result: CheckResult;
  try {
    result = await exploreAsync(system, {
      ...variant.options,
      ...options.bounds,
      memory,
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
    scenario: target.name, variant: variant.name, parameters: variant.parameters, expected, expectedProperty: memory === own ? variant.expectedProperty : undefined,
    memory, memoryAsked: job.memory !== undefined, result, system, source: variant.source,
    locations: checkLocations(target.definedAt, variant.name, system),
  };
  if (result.violations.length > 0) record.trace = buildTrace({ ...system, memory }, variant.source, result.violations[0]);
  return record;
}

const skippedCheck = ({ target, variant, memory }: CheckJob): SkippedCheck => ({
  scenario: target.name, variant: variant.name, parameters: variant.parameters, expected: memory === undefined ? variant.expected : null,
  memory: memory ?? variant.memory ?? 'sc', memoryAsked: memory !== undefined, reason: 'interrupted',
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
